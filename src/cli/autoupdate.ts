// `husk auto-update`: moves running containers labelled
// io.containers.autoupdate=registry|local onto newer images and restarts
// them (engine: src/engine/system/autoupdate.ts; docs/systemd.md). Podman's
// table and --format fields; errors after the table, exit 125.
import { Command } from 'commander';
import { HuskError } from '../common/errors.ts';
import type { AutoUpdateReport } from '../engine/system/api.ts';
import { connectFor } from './common.ts';
import { renderList } from './format/index.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const bool = (v: string) => v !== 'false';

function row(r: AutoUpdateReport) {
  return {
    Unit: r.Unit, Container: `${r.ContainerID.slice(0, 12)} (${r.ContainerName})`, ContainerID: r.ContainerID,
    ContainerName: r.ContainerName, Image: r.Image, Policy: r.Policy, Updated: r.Updated,
  };
}

export function register(program: Command): void {
  program.addCommand(new Command('auto-update').description('Auto update containers according to their auto-update policy')
    .option('--authfile <path>', 'Path to the authentication file')
    .option('--dry-run', 'Check for pending updates', false)
    .option('--format <format>', 'Change the output format to JSON or a Go template')
    .option('--rollback [bool]', 'Rollback to previous image if update fails', bool, true)
    .option('--tls-verify [bool]', 'Require HTTPS and verify certificates when contacting registries', bool)
    .action(async function (this: Command, o: Opts) {
      const engine = await connectFor(this);
      const reports = await engine.system.autoUpdate({
        dryRun: o.dryRun, rollback: o.rollback, authfile: o.authfile, tlsVerify: o.tlsVerify,
        onMessage: (line) => process.stderr.write(`${line}\n`),
      });
      const shown = reports.filter((r) => r.Policy);
      if (shown.length || o.format) {
        process.stdout.write(renderList(o.format, shown.map(row), {
          headers: { ContainerID: 'CONTAINER ID', ContainerName: 'CONTAINER NAME' },
          defaultFormat: 'table {{.Unit}}\t{{.Container}}\t{{.Image}}\t{{.Policy}}\t{{.Updated}}',
        }));
      }
      const errors = reports.filter((r) => r.error).map((r) => HuskError.from(r.error!));
      for (const e of errors.slice(0, -1)) process.stderr.write(`Error: ${e.message}\n`);
      if (errors.length) throw errors.at(-1);
    }));
}
