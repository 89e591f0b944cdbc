// Secret commands: create, ls, inspect, rm, exists. Flags in, one call to
// the secrets API, Podman's output and messages out.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { HuskError, invalidArgument } from '../common/errors.ts';
import type { Secret } from '../engine/secret/api.ts';
import { parseFilters } from '../specgen/filters.ts';
import { ago, collect, connectFor, parseLabels, print, printReports } from './common.ts';
import { renderList, renderOne } from './format/index.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** --driver-opts k=v[,k=v] (repeatable), as Podman's StringToString flag. */
function driverOpts(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const it of items.flatMap((i) => i.split(','))) {
    const eq = it.indexOf('=');
    if (eq <= 0) throw invalidArgument(`invalid argument "${it}" for "--driver-opts" flag: ${it} must be formatted as key=value`);
    out[it.slice(0, eq)] = it.slice(eq + 1);
  }
  return out;
}

/** Podman splits `--filter a=x,b=y` into two filters. */
function splitFilters(items: string[]): string[] {
  return items.flatMap((f) => (f.split(',').every((p) => p.includes('=')) ? f.split(',') : [f]));
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The secret's bytes: an environment variable (--env), stdin (-), or a file. */
async function secretInput(source: string, fromEnv: boolean): Promise<Buffer> {
  if (fromEnv) {
    const v = process.env[source];
    if (!v) throw invalidArgument(`cannot create store secret data: environment variable ${source} is not set`);
    return Buffer.from(v);
  }
  if (source === '-' || source === '/dev/stdin') {
    if (process.stdin.isTTY) throw invalidArgument('if `-` is used, data must be passed into stdin');
    return readStdin();
  }
  try {
    return readFileSync(source);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw invalidArgument(`open ${source}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EISDIR' ? 'is a directory' : (err as Error).message}`);
  }
}

/** Go's time.Time String() form, which Podman's --pretty prints. */
function goTime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)} +0000 UTC`;
}

function pretty(s: Secret): string {
  const lines = [`ID:              ${s.ID}`, `Name:            ${s.Spec.Name}`];
  const labels = Object.entries(s.Spec.Labels ?? {});
  if (labels.length) lines.push('Labels:', ...labels.sort().map(([k, v]) => ` - ${k}${v ? `=${v}` : ''}`));
  lines.push(`Driver:          ${s.Spec.Driver.Name}`, `Created at:      ${goTime(s.CreatedAt)}`, `Updated at:      ${goTime(s.UpdatedAt)}`);
  if (s.SecretData !== undefined) lines.push(`SecretData:      ${s.SecretData}`);
  return lines.join('\n');
}

export function register(program: Command): void {
  const group = new Command('secret').description('Manage secrets');
  group.command('create').description('Create a new secret').usage('[options] NAME FILE|-')
    .option('-d, --driver <driver>', 'Specify secret driver', 'file')
    .option('--driver-opts <opts>', 'Specify driver specific options', collect, [])
    .option('--env', 'Read secret data from environment variable', false)
    .option('-l, --label <label>', 'Specify labels on the secret', collect, [])
    .option('--replace', 'If a secret with the same name exists, replace it', false)
    .option('-i, --ignore', 'Ignore if the secret exists', false)
    .argument('<name>').argument('<source>', 'a file, - (stdin), or with --env a variable name')
    .action(async function (this: Command, name: string, source: string, o: Opts) {
      const data = await secretInput(source, o.env);
      const engine = await connectFor(this);
      const { id } = await engine.secrets.create(name, {
        data: data.toString('base64'), driver: o.driver, driverOptions: driverOpts(o.driverOpts), labels: parseLabels(o.label),
        replace: o.replace, ignore: o.ignore,
      });
      print(id);
    });
  group.command('ls').alias('list').description('List secrets')
    .option('-f, --filter <filter>', 'Filter secret output', collect, [])
    .option('--format <format>', 'Format secret output using Go template')
    .option('-n, --noheading', 'Do not print headers', false)
    .option('-q, --quiet', 'Print secret IDs only', false)
    .action(async function (this: Command, o: Opts) {
      const secrets = await (await connectFor(this)).secrets.list({ filters: parseFilters(splitFilters(o.filter)) });
      // --format wins over --quiet (Podman).
      if (o.quiet && o.format === undefined) return secrets.forEach((s) => print(s.ID));
      const rows = secrets.map((s) => ({ ID: s.ID, Name: s.Spec.Name, Driver: s.Spec.Driver.Name, CreatedAt: ago(s.CreatedAt), UpdatedAt: ago(s.UpdatedAt), Labels: s.Spec.Labels }));
      process.stdout.write(renderList(o.format, rows, {
        headers: { CreatedAt: 'CREATED', UpdatedAt: 'UPDATED' },
        defaultFormat: 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.CreatedAt}}\t{{.UpdatedAt}}',
      }, { noHeading: o.noheading }));
    });
  group.command('inspect').description('Display detailed information on one or more secrets').usage('[options] SECRET [SECRET...]')
    .option('-f, --format <format>', 'Format secret output using Go template')
    .option('--pretty', 'Print inspect output in human-readable format', false)
    .option('--showsecret', 'Display the secret data', false)
    .argument('<names...>')
    .action(async function (this: Command, names: string[], o: Opts) {
      const engine = await connectFor(this);
      const found: Secret[] = [];
      const errors: HuskError[] = [];
      for (const n of names) {
        try {
          found.push(await engine.secrets.inspect(n, { showSecret: o.showsecret }));
        } catch (err) {
          if (!(err instanceof HuskError)) throw err;
          errors.push(err);
        }
      }
      if (o.pretty) found.forEach((s) => print(pretty(s)));
      else if (o.format && !/^\s*(json|\{\{\s*json\s*\.?\s*\}\})\s*$/.test(o.format)) found.forEach((s) => print(renderOne(o.format, s)));
      else process.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
      // Podman: every error but the first as a line, the first as the command's error.
      for (const e of errors.slice(1)) process.stderr.write(`error inspecting secret: ${e.message}\n`);
      if (errors.length) throw new HuskError(errors[0].code, `inspecting secret: ${errors[0].message}`);
    });
  group.command('rm').alias('remove').description('Remove one or more secrets').usage('[options] SECRET [SECRET...]')
    .option('-a, --all', 'Remove all secrets', false)
    .option('-i, --ignore', 'Ignore errors when a specified secret is missing', false)
    .argument('[names...]')
    .action(async function (this: Command, names: string[], o: Opts) {
      const reports = await (await connectFor(this)).secrets.remove(names, { all: o.all, ignore: o.ignore });
      printReports(reports, { line: (r) => r.id });
    });
  group.command('exists').description('Check if a secret exists').usage('SECRET')
    .argument('<name>')
    .action(async function (this: Command, name: string) {
      if (!(await (await connectFor(this)).secrets.exists(name))) process.exitCode = 1;
    });
  program.addCommand(group);
}
