// `husk quadlet`: the Quadlet systemd generator (src/systemd/quadlet).
// As a generator (bin/husk-quadlet-generator, linked into systemd's
// generator directories by scripts/setup.sh) systemd passes the output
// directories: `husk quadlet NORMAL [EARLY LATE]`. With --dryrun nothing is
// written: the units are printed, and DIRs name the Quadlet files to read
// instead of the default search directories.
import { Command } from 'commander';
import { invalidArgument } from '../common/errors.ts';
import { dryRunText, runGenerator } from '../systemd/quadlet/generator.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** As generate systemd: the installed husk, or HUSK_SYSTEMD_EXECUTABLE. */
const EXECUTABLE = '/usr/local/bin/husk';

function makeQuadlet(): Command {
  return new Command('quadlet').description('Generate systemd units from Quadlet files')
    .option('--dryrun', 'Print the units instead of writing them; DIRs are the Quadlet directories to read', false)
    .option('--user', 'Run as the user generator (per-user Quadlet directories)', false)
    .option('-v, --verbose', 'Log to stderr (as the generator always does here)', false)
    .option('--no-kmsg-log', 'Do not log to the kernel log (husk logs to stderr)')
    .argument('[dirs...]')
    .action(function (this: Command, dirs: string[], o: Opts) {
      if (!o.dryrun && !dirs.length) throw invalidArgument('missing output directory argument');
      const override = o.dryrun && dirs.length ? dirs.join(':') : process.env.QUADLET_UNIT_DIRS;
      const r = runGenerator(o.dryrun ? ['--dryrun'] : dirs, {
        executable: process.env.HUSK_SYSTEMD_EXECUTABLE || EXECUTABLE, isUser: o.user, rootless: o.user,
        uid: process.getuid?.(), configHome: process.env.XDG_CONFIG_HOME, override,
        generatorName: 'husk-quadlet',
      });
      if (r.dryRun) process.stdout.write(dryRunText(r.services));
      // Podman's quadlet exits 1 when a file failed; the others were still written.
      if (!r.ok) process.exitCode = 1;
    });
}

export function register(program: Command): void {
  program.addCommand(makeQuadlet());
}
