// The version the CLI prints (it lives in common/ so the engine reports the
// same) and the `version` command, in a module of its own: `husk version`
// loads none of the system commands' code.
import { realpathSync, statSync } from 'node:fs';
import { Command } from 'commander';
import { API_VERSION, VERSION } from '../common/version.ts';

export { API_VERSION, VERSION };

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's time.ANSIC ("Mon Jan  2 15:04:05 2006") in local time, as Podman prints Built (Go's names: English, not the locale's). */
function ansic(d: Date): string {
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${d.getFullYear()}`;
}

/**
 * Podman's local layout (001-basic.bats): `Version:` first, no `Client:`
 * header. The keys stay Podman's so scripts parse them; `Go Version` carries
 * the Node runtime (`node24.x`, as Go's `go1.x`) and `Built` the bundle's mtime.
 */
function makeVersion(): Command {
  return new Command('version').description('Display the husk version information')
    .option('-f, --format <format>', 'Change the output format to JSON or a Go template')
    .action(async (o: Opts) => {
      let built = 0;
      try { built = Math.floor(statSync(realpathSync(process.argv[1]!)).mtimeMs / 1000); } catch {}
      const client = {
        APIVersion: API_VERSION, Version: VERSION, GoVersion: `node${process.versions.node}`, GitCommit: '',
        BuiltTime: ansic(new Date(built * 1000)), Built: built, OsArch: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`, Os: 'linux',
      };
      let out: string;
      if (o.format === 'json') out = JSON.stringify({ Client: client }, null, 4);
      // {{.Version}} too, as husk had it.
      else if (o.format) out = (await import('./format/index.ts')).renderOne(o.format, { Client: client, ...client });
      else {
        out = [['Version', VERSION], ['API Version', API_VERSION], ['Go Version', client.GoVersion], ['Built', client.BuiltTime], ['OS/Arch', client.OsArch]]
          .map(([k, v]) => `${`${k}:`.padEnd(14)}${v}`).join('\n');
      }
      process.stdout.write(`${out}\n`);
    });
}

export function register(program: Command): void {
  program.addCommand(makeVersion());
}
