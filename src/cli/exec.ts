// `exec`: run a process in a running container, as an exec session that is
// created, started attached (or detached with -d) and, attached, removed
// once it returns; the process's exit code becomes husk's.
import { Command } from 'commander';
import type { ExecStartOptions } from '../engine/container/api.ts';
import { invalidArgument } from '../common/errors.ts';
import { addLatestFlag, checkPreservedFds, collect, connectFor, latestContainer, parseEnv, parseEnvFiles, parseUintFlag } from './common.ts';
import { forwardedSignals, rawStdin, terminalSizes } from './session-io.ts';

type Opts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function makeExec(): Command {
  return addLatestFlag(new Command('exec').description('Run a process in a running container'))
    .usage('[options] CONTAINER [COMMAND [ARG...]]')
    .option('-d, --detach', 'Run the exec session in detached mode (backgrounded)', false)
    .option('--detach-keys <keys>', 'Select the key sequence for detaching a container. Format is a single character [a-Z] or ctrl-<value> where <value> is one of: a-z, @, ^, [, , or _')
    .option('-e, --env <env>', 'Set environment variables', collect, [])
    .option('--env-file <file>', 'Read in a file of environment variables', collect, [])
    .option('-i, --interactive', 'Keep STDIN open even if not attached', false)
    .option('-t, --tty', 'Allocate a pseudo-TTY', false)
    .option('-u, --user <user>', 'Sets the username or UID used and optionally the groupname or GID for the specified command')
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .option('--preserve-fds <n>', 'Pass N additional file descriptors to the container', parseUintFlag('--preserve-fds'))
    .option('--privileged', 'Give the process extended Linux capabilities inside the container', false)
    .passThroughOptions()
    .argument('[args...]')
    .action(async function (this: Command, args: string[], o: Opts) {
      // With --latest every argument is the command (Podman's exec).
      if (!o.latest && !args.length) throw invalidArgument('exec requires the name or ID of a container or the --latest flag');
      checkPreservedFds(o.preserveFds);
      const env = parseEnvFiles(o.envFile);
      parseEnv(o.env, env);
      const engine = await connectFor(this);
      const name = o.latest ? await latestContainer(engine) : args[0]!;
      const command = o.latest ? args : args.slice(1);
      if (!command.length) {
        // Podman's exec exits 255 here, not 125.
        process.stderr.write('Error: must provide a non-empty command to start an exec session: invalid argument\n');
        process.exitCode = 255;
        return;
      }
      const detach = !!o.detach;
      const id = await engine.exec.create(name, {
        command, env, user: o.user, workdir: o.workdir, tty: o.tty, interactive: o.interactive, privileged: o.privileged,
        detachKeys: o.detachKeys, autoRemove: !detach, ...(o.preserveFds ? { preserveFds: o.preserveFds } : {}),
      });
      if (detach) {
        await engine.exec.start(id, { detach: true });
        return;
      }
      const done = new AbortController();
      const io: ExecStartOptions = {
        stdin: o.interactive ? process.stdin : undefined, stdout: process.stdout, stderr: process.stderr,
        // With a terminal, keys (Ctrl-C too) reach the process through it; without, signals are forwarded.
        resize: o.tty ? terminalSizes(done.signal) : undefined,
        signals: o.tty ? undefined : forwardedSignals(done.signal),
      };
      const restore = o.tty && o.interactive ? rawStdin() : () => {};
      try {
        const code = await engine.exec.start(id, io);
        if (code !== undefined) process.exitCode = code;
      } finally {
        restore();
        done.abort();
      }
    });
}
