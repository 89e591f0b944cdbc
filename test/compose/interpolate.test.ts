// Interpolation (interpolate.ts), env files (envfile.ts) and the small
// grammars beside them: Go durations, byte sizes, command splitting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolate } from '../../src/compose/interpolate.ts';
import { parseEnvFile } from '../../src/compose/envfile.ts';
import { formatDuration, parseBytes, parseDuration } from '../../src/compose/units.ts';
import { shellSplit } from '../../src/compose/shellwords.ts';

const env: Record<string, string> = { SET: 'value', EMPTY: '', FALLBACK: 'fallback' };
const lookup = (k: string) => env[k];
const i = (s: string) => interpolate(s, lookup);

test('interpolation: direct, default, required, alternative, nested, $$', () => {
  assert.equal(i('$SET ${SET} x${SET}y'), 'value value xvaluey');
  assert.equal(i('${UNSET:-d} ${EMPTY:-d} ${SET:-d}'), 'd d value');
  assert.equal(i('${UNSET-d} ${EMPTY-d}|'), 'd |');
  assert.equal(i('${SET:+alt} ${EMPTY:+alt}| ${EMPTY+alt} ${UNSET+alt}|'), 'alt | alt |');
  assert.equal(i('${UNSET:-${FALLBACK}} ${UNSET:-${ALSO_UNSET:-deep}}'), 'fallback deep');
  assert.equal(i('${SET:?unused} ${EMPTY?fine}|'), 'value |');
  assert.equal(i('$$SET $${SET} cost: $$5'), '$SET ${SET} cost: $5');
  // A $ that starts no name is kept; unset direct variables become "".
  assert.equal(i('a $ b $1 ${UNSET}|$UNSET|'), 'a $ b $1 ||');
});

test('interpolation: :? and ? fail with the message; a bad expression fails', () => {
  assert.throws(() => i('${UNSET:?set UNSET please}'), /required variable UNSET is missing a value: set UNSET please/);
  assert.throws(() => i('${EMPTY:?}'), /required variable EMPTY is missing a value$/);
  assert.throws(() => i('${UNSET?oops $SET}'), /missing a value: oops value/);
  // The unchosen operand of a default is not evaluated.
  assert.equal(i('${SET:-${UNSET:?never}}'), 'value');
  assert.throws(() => i('${SET'), /invalid interpolation format/);
  assert.throws(() => i('${SET/a/b}'), /invalid interpolation format/);
});

test('interpolation reports unset variables', () => {
  const unset: string[] = [];
  interpolate('${A} $B ${C:-x}', lookup, (n) => unset.push(n));
  assert.deepEqual(unset, ['A', 'B']);
});

test('env files: comments, export, quotes, escapes, inline comments, interpolation', () => {
  const text = [
    '# a comment',
    '',
    'PLAIN=hello world',
    'export EXPORTED=yes',
    'SPACED = padded  ',
    'INLINE=value # comment',
    'HASH=value#not-a-comment',
    "SINGLE='$SET ${SET} \\n'",
    'DOUBLE="a\\tb\\n\\"q\\" $SET \\$SET"',
    'QCOMMENT="x # not a comment" # comment',
    "MULTI='line1",
    "line2'",
    "ESCAPED='Let\\'s go'",
    'REF=${PLAIN}-${SET:-none}',
    'BARE',
    'EMPTYV=',
  ].join('\n');
  assert.deepEqual(parseEnvFile(text, lookup), {
    PLAIN: 'hello world',
    EXPORTED: 'yes',
    SPACED: 'padded',
    INLINE: 'value',
    HASH: 'value#not-a-comment',
    SINGLE: '$SET ${SET} \\n',
    DOUBLE: 'a\tb\n"q" value $SET',
    QCOMMENT: 'x # not a comment',
    MULTI: 'line1\nline2',
    ESCAPED: "Let's go",
    REF: 'hello world-value',
    BARE: null,
    EMPTYV: '',
  });
  assert.throws(() => parseEnvFile('A=1\nB="open'), /line 2: unterminated quoted value for B/);
  assert.throws(() => parseEnvFile('1BAD=x'), /line 1: invalid variable name "1BAD"/);
});

test('Go durations to ms and back; byte sizes', () => {
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('300ms'), 300);
  assert.equal(parseDuration('1h2m3s4ms'), 3_723_004);
  assert.equal(parseDuration('500us'), 0.5);
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration('10'), undefined);
  assert.equal(parseDuration('1x'), undefined);
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(1500), '1.5s');
  assert.equal(formatDuration(300), '300ms');
  assert.equal(formatDuration(3_600_000), '1h0m0s');
  assert.equal(parseBytes('512m'), 512 * 1024 ** 2);
  assert.equal(parseBytes('1g'), 1024 ** 3);
  assert.equal(parseBytes('1.5GiB'), 1.5 * 1024 ** 3);
  assert.equal(parseBytes('100b'), 100);
  assert.equal(parseBytes(2048), 2048);
  assert.equal(parseBytes('12 parsecs'), undefined);
});

test('command strings split like Compose (go-shellwords)', () => {
  assert.deepEqual(shellSplit(`nginx -g "daemon off;"`), ['nginx', '-g', 'daemon off;']);
  assert.deepEqual(shellSplit(`sh -c 'echo $HOME && ls'`), ['sh', '-c', 'echo $HOME && ls']);
  assert.deepEqual(shellSplit(`a\\ b "c\\"d" '' e`), ['a b', 'c"d', '', 'e']);
  assert.deepEqual(shellSplit('  '), []);
  assert.throws(() => shellSplit(`echo "open`), /unterminated double quote/);
});
