// `husk healthcheck run CTR`: runs a container's health check once (what its
// timer process calls on schedule). Podman's output and exit codes: nothing
// and 0 when the check passed; "unhealthy" and 1 when it failed; 125 when it
// could not run (no such container, not running, no health check).
import { Command } from 'commander';
import { connectFor, print } from './common.ts';

export function register(program: Command): void {
  const group = new Command('healthcheck').description('Manage health checks on containers');
  group.command('run').description('Run the health check of a container')
    .argument('<container>')
    .action(async function (this: Command, ref: string) {
      const engine = await connectFor(this);
      const r = await engine.containers.healthcheck(ref);
      if (r.status !== 'healthy') {
        print(r.status);
        process.exitCode = 1;
      }
    });
  program.addCommand(group);
}
