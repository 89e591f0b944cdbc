// `exec`: run a process in a running container.
import { Command } from 'commander';
import { collect, engineFor, parseEnv, parseEnvFiles } from './common.ts';
import { execInContainer } from '../engine/container/exec.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const E = { execInContainer };

export function makeExec(): Command {
  return new Command('exec').description('Run a process in a running container')
    .option('-d, --detach', 'Run the exec session in detached mode (backgrounded)', false)
    .option('-e, --env <env>', 'Set environment variables', collect, [])
    .option('--env-file <file>', 'Read in a file of environment variables', collect, [])
    .option('-i, --interactive', 'Keep STDIN open even if not attached', false)
    .option('-t, --tty', 'Allocate a pseudo-TTY', false)
    .option('-u, --user <user>', 'Sets the username or UID used and optionally the groupname or GID for the specified command')
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .option('--privileged', 'Give the process extended Linux capabilities inside the container', false)
    .passThroughOptions()
    .argument('<container>')
    .argument('<command...>')
    .action(async function (this: Command, name: string, command: string[], o: Opts) {
      const e = engineFor(this);
      const env = parseEnvFiles(o.envFile);
      parseEnv(o.env, env);
      process.exitCode = await E.execInContainer(e, name, {
        command, env, user: o.user, workdir: o.workdir, tty: o.tty, interactive: o.interactive, detach: o.detach,
      });
    });
}

