// --format support: the Go template subset, the tabwriter, and Podman's
// json / table / plain template modes. Expected outputs follow Go's
// text/template, fmt and text/tabwriter behaviour and containers/common's
// report package (e.g. its formatter tests' column layout).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTemplate } from '../../src/common/gotemplate/template.ts';
import { tabulate } from '../../src/cli/format/table.ts';
import { normalizeFormat, renderList, renderOne } from '../../src/cli/format/index.ts';

const run = (tpl: string, data: unknown = {}) => compileTemplate(tpl)(data);
const data = {
  Name: 'web', Count: 3, Ratio: 1.5, Big: 1234567.5, Nothing: null, Yes: true,
  List: ['x', 'y', 'z'], Labels: { b: '2', a: '1' },
  Config: { Image: 'alpine', Env: [] as string[] },
};

test('text, fields, dot and $', () => {
  assert.equal(run('plain text'), 'plain text');
  assert.equal(run('{{.Name}}/{{.Config.Image}}', data), 'web/alpine');
  assert.equal(run('{{with .Config}}{{.Image}}-{{$.Name}}{{end}}', data), 'alpine-web');
  assert.equal(run('{{.}}', 'scalar'), 'scalar');
  assert.equal(run('{{.name}} {{.config.image}}', data), 'web alpine', 'case-insensitive fallback');
});

test('Go value printing', () => {
  assert.equal(run('{{.Labels}} {{.List}} {{.Config.Env}}', data), 'map[a:1 b:2] [x y z] []');
  assert.equal(run('{{.Count}} {{.Ratio}} {{.Big}} {{.Yes}} {{.Nothing}}', data), '3 1.5 1.2345675e+06 true <nil>');
  assert.equal(run('{{.Labels.missing}}|{{.Labels.missing.deeper}}', data), '<no value>|<no value>');
  assert.equal(run('{{.}}', new Map([['k', [1, null]]])), 'map[k:[1 <nil>]]');
  assert.equal(run('{{.}}', new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 120))), '2024-01-02 03:04:05.12 +0000 UTC');
});

test('missing struct fields and nil receivers are errors', () => {
  assert.throws(() => run('{{.Foo}}', data),
    { message: 'template: output:1:2: executing "output" at <.Foo>: can\'t evaluate field Foo in type struct' });
  assert.throws(() => run('x\n {{.Name.Sub}}', data),
    { message: /^template: output:2:3: executing "output" at <\.Name\.Sub>: can't evaluate field Sub in type string$/ });
  assert.throws(() => run('{{.Nothing.X}}', data), /nil pointer evaluating interface \{\}\.X/);
  assert.throws(() => run('{{.Name}}', [1]), /can't evaluate field Name in type \[\]interface \{\}/);
});

test('class instances: getters and methods with arguments', () => {
  class Row {
    get ID() { return 'abcdef123456789'.slice(0, 12); }
    Label(k: string) { return k === 'app' ? 'demo' : ''; }
    Fail() { throw new Error('boom'); }
  }
  assert.equal(run('{{.ID}} {{.Label "app"}} {{"app" | .Label}}', new Row()), 'abcdef123456 demo demo');
  assert.throws(() => run('{{.Fail}}', new Row()), /at <\.Fail>: error calling Fail: boom/);
  assert.throws(() => run('{{.Name "x"}}', data), /Name has arguments but cannot be invoked as function/);
});

test('trim markers and comments', () => {
  assert.equal(run('a  {{- .Name -}}  b', data), 'awebb');
  assert.equal(run('a\n\t{{- "x" }}\n{{- /* note */ -}}\n y'), 'axy');
  assert.equal(run('{{/* only a comment */}}z'), 'z');
  assert.equal(run('{{-3}}'), '-3', 'a minus without a space is a number');
  assert.throws(() => run('{{/* open'), /unclosed comment/);
});

test('if / else if / else, with / else, truthiness', () => {
  const t = '{{if eq .Count 1}}one{{else if eq .Count 3}}three{{else}}other{{end}}';
  assert.equal(run(t, data), 'three');
  assert.equal(run(t, { Count: 7 }), 'other');
  assert.equal(run('{{if .Config.Env}}a{{else}}b{{end}}{{if .Labels}}c{{end}}{{if 0}}d{{end}}{{if ""}}e{{end}}', data), 'bc');
  assert.equal(run('{{with .Labels.none}}x{{else}}none{{end}}', data), 'none');
  assert.equal(run('{{with .Labels.none}}x{{else with .Name}}{{.}}{{end}}', data), 'web');
});

test('range: lists, maps in key order, ints, else, break and continue', () => {
  assert.equal(run('{{range .List}}<{{.}}>{{end}}', data), '<x><y><z>');
  assert.equal(run('{{range $i, $e := .List}}{{$i}}={{$e}} {{end}}', data), '0=x 1=y 2=z ');
  assert.equal(run('{{range $k, $v := .Labels}}{{$k}}:{{$v}};{{end}}', data), 'a:1;b:2;');
  assert.equal(run('{{range $v := .Labels}}{{$v}}{{end}}', data), '12');
  assert.equal(run('{{range 3}}{{.}}{{end}}'), '012');
  assert.equal(run('{{range .Config.Env}}x{{else}}empty{{end}}', data), 'empty');
  assert.equal(run('{{range .List}}{{if eq . "y"}}{{continue}}{{end}}{{.}}{{end}}', data), 'xz');
  assert.equal(run('{{range .List}}{{if eq . "y"}}{{break}}{{end}}{{.}}{{end}}', data), 'x');
  assert.throws(() => run('{{range .Name}}{{end}}', data), /range can't iterate over web/);
});

test('variables: declaration, assignment, scope', () => {
  assert.equal(run('{{$x := .Name}}{{$x}}{{$x = "b"}}{{$x}}', data), 'webb');
  assert.equal(run('{{$x := 1}}{{range .List}}{{$x = 2}}{{end}}{{$x}}', data), '2');
  assert.equal(run('{{with $y := .Name}}{{$y}}{{end}}', data), 'web');
  assert.throws(() => run('{{with $y := 1}}{{end}}{{$y}}'), { message: 'template: output:1: undefined variable "$y"' });
  assert.throws(() => run('{{$z = 1}}'), /undefined variable "\$z"/);
});

test('pipelines and parenthesised sub-expressions', () => {
  assert.equal(run('{{.Name | upper | printf "[%s]"}}', data), '[WEB]');
  assert.equal(run('{{(index .List 1) | printf "%s!"}} {{printf "%d" (len .List)}}', data), 'y! 3');
  assert.equal(run('{{(.Config).Image}}', data), 'alpine');
  assert.throws(() => run('{{1 | 2}}'), /non executable command in pipeline stage 2/);
  assert.throws(() => run('{{.Count | .Name}}', data), /has arguments but cannot be invoked/);
  assert.throws(() => run('{{"a" "b"}}'), /can't give argument to non-function "a"/);
});

test('literals', () => {
  assert.equal(run('{{"a\\tb\\u00e9\\x41\\101\\""}}'), 'a\tbéAA"');
  assert.equal(run('{{`raw \\n {{x}}`}}'), 'raw \\n {{x}}');
  assert.equal(run("{{'a'}} {{0x1F}} {{1_000}} {{017}} {{+2.5}} {{1e3}} {{true}} {{false}}"), '97 31 1000 15 2.5 1000 true false');
  assert.equal(run('{{printf "%v" nil}}'), '<nil>');
  assert.throws(() => run('{{nil}}'), /nil is not a command/);
  assert.throws(() => run('{{"open}}'), /unterminated quoted string/);
  assert.throws(() => run('{{1x}}'), /bad number syntax: "1x"/);
  // Go's letters and digits beyond ASCII: fields, variables, a letter after a number.
  assert.equal(run('{{.Größe}} {{$ü1 := .Größe}}{{$ü1}} {{$1 := 2}}{{$1}}', { Größe: 5 }), '5 5 2');
  assert.throws(() => run('{{1é}}'), /bad number syntax: "1é"/);
  assert.throws(() => run('{{1٣}}'), /bad number syntax/);
  assert.equal(renderOne('{{.Ärger}}', { Ärger: 'x' }), 'x');
  assert.throws(() => run('{{"\\q"}}'), /invalid syntax/);
});

test('comparison and logic functions', () => {
  assert.equal(run('{{eq 1 1}} {{eq 1 2 3 1}} {{ne "a" "b"}} {{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1 2}}'), 'true true true true true true false');
  assert.equal(run('{{eq .Nothing nil}} {{eq .Name nil}}', data), 'true false');
  assert.equal(run('{{and 1 0 2}} {{and 1 2}} {{or 0 "" "z"}} {{or 0 ""}}|{{not 0}} {{not .Name}}', data), '0 2 z |true false');
  // and/or stop early, so the failing index is never evaluated.
  assert.equal(run('{{and .Config.Env (index .List 99)}}|{{or .Name (index .List 99)}}', data), '[]|web');
  assert.throws(() => run('{{eq .Count "3"}}', data), /at <eq \.Count "3">: error calling eq: incompatible types for comparison/);
  assert.throws(() => run('{{lt true false}}'), /error calling lt: invalid type for comparison/);
  assert.throws(() => run('{{eq 1}}'), /missing argument for comparison/);
});

test('len, index, slice', () => {
  assert.equal(run('{{len .List}} {{len .Labels}} {{len "héllo"}}', data), '3 2 6', 'Go len counts bytes');
  assert.equal(run('{{index .List 2}} {{index .Labels "a"}} [{{index .Labels "nope"}}]', data), 'z 1 []');
  assert.equal(run('{{index .M "x" 1}}', { M: { x: ['p', 'q'] } }), 'q');
  assert.equal(run('{{slice "abcdef" 1 3}} {{slice .List 1}}', data), 'bc [y z]');
  assert.throws(() => run('{{index .List 5}}', data), /error calling index: index out of range: 5/);
  assert.throws(() => run('{{len 3}}'), /error calling len: len of type int/);
});

test('print, println, printf', () => {
  assert.equal(run('{{print 1 2 "a" 3 "b" "c"}}|{{println 1 "a"}}'), '1 2a3bc|1 a\n');
  const p = (f: string, ...args: string[]) => run(`{{printf ${JSON.stringify(f)} ${args.join(' ')}}}`, data);
  assert.equal(p('%s|%5s|%-5s|%.2s', '"ab"', '"ab"', '"ab"', '"abc"'), 'ab|   ab|ab   |ab');
  assert.equal(p('%d|%05d|%+d|% d|%-4d|', '42', '-42', '5', '7', '3'), '42|-0042|+5| 7|3   |');
  assert.equal(p('%x|%X|%#x|%o|%b|%c|%U', '255', '255', '255', '8', '5', '65', '9731'), 'ff|FF|0xff|10|101|A|U+2603');
  assert.equal(p('%.2f|%8.3f|%e|%E|%g|%g', '3.14159', '3.14159', '1234.5678', '0.5', '1000000', '0.00001'),
    '3.14|   3.142|1.234568e+03|5.000000E-01|1e+06|1e-05');
  assert.equal(p('%v|%v|%t|%q|%x|%T', '.List', '.Labels', 'true', '"hi\\n\\""', '"hi"', '.Ratio'), '[x y z]|map[a:1 b:2]|true|"hi\\n\\""|6869|float64');
  assert.equal(p('%*d|100%%', '4', '7'), '   7|100%');
  assert.equal(p('%d %s %t %z', '"x"', '1', '3', '1'), '%!d(string=x) %!s(int=1) %!t(int=3) %!z(int=1)');
  assert.equal(p('%d %d', '1'), '1 %!d(MISSING)');
  assert.equal(p('%d', '1', '"x"'), '1%!(EXTRA string=x)');
});

test('podman string functions', () => {
  assert.equal(run('{{join .List ", "}}|{{split "a:b:c" ":"}}|{{len (split "abc" "")}}', data), 'x, y, z|[a b c]|3');
  assert.equal(run('{{upper "abc"}} {{lower "ABC"}} {{title "hello wide-world_x"}}'), 'ABC abc Hello Wide-World_x');
  assert.equal(run('{{truncate "abcdef" 3}} {{truncate "ab" 5}} [{{pad "x" 1 2}}] [{{pad "" 1 2}}]'), 'abc ab [ x  ] []');
  assert.equal(run('{{contains "hello" "ell"}} {{contains "hello" "z"}}'), 'true false');
  assert.equal(run('{{replace "aaa" "a" "b"}} {{replace "aaa" "a" "b" 2}} {{replace "ab" "" "-"}}'), 'bbb bba -a-b-');
  assert.throws(() => run('{{upper 3}}'), /at <upper 3>: wrong type for value; expected string; got int/);
  assert.throws(() => run('{{join "a" ","}}'), /expected \[\]string; got string/);
  assert.throws(() => run('{{upper "a" "b"}}'), /wrong number of args for upper: want 1 got 2/);
});

test('json is compact and does not HTML-escape', () => {
  assert.equal(run('{{json .Labels}} {{json .List}}', data), '{"b":"2","a":"1"} ["x","y","z"]');
  assert.equal(run('{{json "<a&b>"}} {{json .}}', new Map([['k', 1]])), '"<a&b>" {"k":1}');
  assert.equal(run('{{json .Labels.nope}}', data), 'null');
});

test('parse errors read like Go', () => {
  assert.throws(() => run('{{foo .}}'), { message: 'template: output:1: function "foo" not defined' });
  assert.throws(() => run('a\n{{.Name'), { message: 'template: output:2: unclosed action' });
  assert.throws(() => run('{{if 1}}x'), /unexpected EOF/);
  assert.throws(() => run('{{end}}'), /unexpected \{\{end\}\}/);
  assert.throws(() => run('{{else}}'), /unexpected \{\{else\}\}/);
  assert.throws(() => run('{{break}}'), /\{\{break\}\} outside \{\{range\}\}/);
  assert.throws(() => run('{{}}'), /missing value for command/);
  assert.throws(() => run('{{#}}'), /unrecognized character in action: U\+0023 '#'/);
  assert.throws(() => run('{{template "x"}}'), /not supported/);
  assert.throws(() => compileTemplate('{{nope}}', 'ps'), { message: 'template: ps:1: function "nope" not defined' });
});

test('tabulate: Podman writer settings (minwidth 12, padding 2)', () => {
  // Same layout as containers/common's formatter test for "table {{.ID}}\t{{.Value}}".
  assert.equal(tabulate(['Identity\tValue', 'c061a0839e\tone', '1eb6fab5aa8f4b5cbfd3e66aa35e9b2a\tthree']),
    'Identity                          Value\nc061a0839e                        one\n1eb6fab5aa8f4b5cbfd3e66aa35e9b2a  three\n');
  // Short cells still get the 12-column minimum; the last cell of a line is never padded.
  assert.equal(tabulate(['a\tb', 'cc\td']), 'a           b\ncc          d\n');
  assert.equal(tabulate(['a\tb\t']), 'a           b           \n');
  assert.equal(tabulate([]), '');
  assert.equal(tabulate(['no tabs', 'x\ty']), 'no tabs\nx           y\n');
});

test('tabulate: column blocks are runs of lines sharing a column', () => {
  // Go's elastic example, left-aligned: the trailing-tab line ends the block of column 1.
  assert.equal(tabulate(['a\tb\tc', 'aa\tbb\tcc', 'aaa\t', 'aaaa\tdddd\teeee'], { minwidth: 0, padding: 1, padchar: '.' }),
    'a....b..c\naa...bb.cc\naaa..\naaaa.dddd.eeee\n');
  // One line's text after its last tab does not widen the column.
  assert.equal(tabulate(['Value\tIdent', 'c061a0839e\tIDf10fc2e11057\tID'], { minwidth: 12 }),
    'Value       Ident\nc061a0839e  IDf10fc2e11057  ID\n');
  assert.equal(tabulate(['é\tx', 'ab\ty'], { minwidth: 0, padding: 1 }), 'é  x\nab y\n', 'width counts code points');
});

const rows = [
  { ID: 'c061a0839e', Names: 'one', CreatedAt: 'now', Config: { Image: 'alpine' } },
  { ID: '1eb6fab5aa8f4b5cbfd3e66aa35e9b2a', Names: 'three', CreatedAt: 'then', Config: { Image: 'busybox' } },
];
const defaults = { headers: { ID: 'container id' }, defaultFormat: 'table {{.ID}}\t{{.Names}}' };
const pad = (s: string, n: number) => s.padEnd(n);

test('normalizeFormat mirrors report.NormalizeFormat', () => {
  assert.equal(normalizeFormat('{{.ID}}\\t{{.ID}}'), '{{.ID}}\t{{.ID}}\n');
  assert.equal(normalizeFormat('{{.ID}} {{.ID}}'), '{{.ID}} {{.ID}}\n');
  assert.equal(normalizeFormat('table {{.ID}} {{.C}}'), '{{.ID}}\t{{.C}}\n');
  assert.equal(normalizeFormat('table {{.ID}}\\n'), '{{.ID}}\n');
  assert.equal(normalizeFormat('{{.ID}} table {{.C}}'), '{{.ID}} table {{.C}}\n');
});

test('renderList: default and table formats get headers and columns', () => {
  const expected = `${pad('CONTAINER ID', 34)}NAMES\n${pad('c061a0839e', 34)}one\n${pad(rows[1].ID, 34)}three\n`;
  assert.equal(renderList(undefined, rows, defaults), expected);
  assert.equal(renderList('', rows, defaults), expected);
  assert.equal(renderList('table', rows, defaults), expected);
  assert.equal(renderList('table {{.ID}}\\t{{.Names}}', rows, defaults), expected, 'typed \\t is a tab');
  assert.equal(renderList('table {{.ID}} {{.Names}}', rows, defaults), expected, 'spaces separate table columns');
  assert.equal(renderList(undefined, rows, defaults, { noHeading: true }), expected.slice(expected.indexOf('\n') + 1));
  assert.equal(renderList(undefined, [], defaults), 'CONTAINER ID  NAMES\n');
});

test('renderList: header titles', () => {
  // Unknown fields are split at case changes and upper-cased, like report.Headers.
  assert.equal(renderList('table {{.CreatedAt}}', rows, defaults).split('\n')[0], 'CREATED AT');
  // Functions apply to the titles too, as in Podman.
  assert.equal(renderList('table {{.Names | lower}}', rows, defaults).split('\n')[0], 'names');
  // A nested field cannot run on a title string, so its last name is used.
  assert.equal(renderList('table {{.ID}}\t{{.Config.Image}}', rows, defaults).split('\n')[0], `${pad('CONTAINER ID', 34)}IMAGE`);
});

test('renderList: plain templates print one rendering per row, no header', () => {
  assert.equal(renderList('{{.Names}}', rows, defaults), 'one\nthree\n');
  assert.equal(renderList('{{.Names}}\\t{{.Config.Image}}', rows, defaults), 'one\talpine\nthree\tbusybox\n');
  assert.equal(renderList('{{range .}}{{.Names}},{{end -}}', rows, defaults), 'one,three,', 'an explicit range runs once over the list');
  // The typed `\n` breaks the string literal once normalized, so Podman parses the text as typed
  // (and without the newline it would append).
  assert.equal(renderList('{{printf "%s\\n" .Names}}', rows, defaults), 'one\nthree\n');
  assert.throws(() => renderList('{{.Nope}}', rows, defaults), /can't evaluate field Nope/);
});

test('renderList: json', () => {
  const small = [{ ID: 'a', Tag: '<none>' }];
  const expected = '[\n    {\n        "ID": "a",\n        "Tag": "\\u003cnone\\u003e"\n    }\n]\n';
  assert.equal(renderList('json', small, defaults), expected);
  assert.equal(renderList('{{ json . }}', small, defaults), expected);
  assert.equal(renderList('json', small, defaults, { jsonIndent: 2 }), expected.replace(/ {4}/g, '  '));
  assert.equal(renderList('json', [], defaults), '[]\n');
});

test('renderOne', () => {
  const obj = { Id: 'abc', State: { Status: 'running' }, Labels: { a: '1' } };
  assert.equal(renderOne('{{.State.Status}}', obj), 'running');
  assert.equal(renderOne('{{.Id}}\\t{{.Labels.a}}\n', obj), 'abc\t1', 'one trailing newline is left to the caller');
  assert.equal(renderOne(undefined, { a: 1 }), '{\n    "a": 1\n}');
  assert.equal(renderOne('json', { a: 1 }, { jsonIndent: 2 }), '{\n  "a": 1\n}');
  assert.throws(() => renderOne('{{.Status}}', obj), /can't evaluate field Status in type struct/);
});
