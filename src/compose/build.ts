// `compose build` and `up --build`: a service's `build:` through husk's
// builder (src/build, its exported `build` entry, as `husk build` calls it).
// The image is the service's `image`, else PROJECT-SERVICE (Docker Compose
// v2's name), plus `build.tags`. `up` builds the services whose image is
// missing, all of them with --build, and never pulls an image it builds.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { Writable } from 'node:stream';
import { HuskError, invalidArgument } from '../common/errors.ts';
import type { Engine } from '../engine/api.ts';
import type { ComposeOutput } from './state.ts';
import type { ComposeProject, ComposeService } from './types.ts';

/** The image a service runs: `image`, else the one its build makes. */
export function serviceImage(project: ComposeProject, s: ComposeService): string | undefined {
  return s.image ?? (s.build ? `${project.name}-${s.name}` : undefined);
}

export interface BuildOptions {
  noCache?: boolean;
  /** Pull the base images every time (--pull). */
  pull?: boolean;
  /** Only build services whose image is missing (what `up` does without --build). */
  missingOnly?: boolean;
}

/** Lines written to a stream, as progress lines. */
function lines(out: ComposeOutput, prefix: string): Writable {
  let rest = '';
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const l of parts) out.progress(`${prefix}${l}`);
      cb();
    },
    final(cb) {
      if (rest) out.progress(`${prefix}${rest}`);
      cb();
    },
  });
}

function containerfile(s: ComposeService): { text: string; file: string; path?: string } {
  const b = s.build!;
  if (b.dockerfileInline !== undefined) return { text: b.dockerfileInline, file: 'dockerfile_inline' };
  const names = b.dockerfile ? [b.dockerfile] : ['Containerfile', 'Dockerfile'];
  for (const name of names) {
    const path = isAbsolute(name) ? name : join(b.context, name);
    if (existsSync(path)) return { text: readFileSync(path, 'utf8'), file: name, path };
  }
  throw invalidArgument(`service "${s.name}": build: ${b.dockerfile ? `${b.dockerfile}: no such file in ${b.context}` : `no Containerfile or Dockerfile in ${b.context}`}`);
}

/** Builds the named services that have `build:` (all of them when none is named), in the given order. */
export async function buildServices(engine: Engine, project: ComposeProject, names: string[], out: ComposeOutput, o: BuildOptions = {}): Promise<string[]> {
  const built: string[] = [];
  for (const name of names) {
    const s = project.services[name];
    if (!s?.build) continue;
    const image = serviceImage(project, s)!;
    if (o.missingOnly && await engine.images.exists(image)) continue;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s.build.context) || !existsSync(s.build.context)) {
      throw invalidArgument(`service "${name}": build.context: ${s.build.context} is not a local directory`);
    }
    out.progress(`Service ${name}  Building`);
    const { build } = await import('../build/builder.ts');
    const output = lines(out, `${name}  `);
    try {
      await build(engine, {
        contextDir: s.build.context, containerfile: containerfile(s), tags: [image, ...s.build.tags],
        buildArgs: s.build.args, target: s.build.target, labels: s.build.labels,
        noCache: o.noCache || s.build.noCache, pull: o.pull || s.build.pull ? 'always' : 'missing', output,
        // As docker compose builds: an image HEALTHCHECK (service_healthy) survives.
        format: 'docker',
      });
    } catch (err) {
      const e = err instanceof HuskError ? err : new HuskError('ENGINE', String((err as Error).message ?? err));
      throw HuskError.from({ code: e.code, message: `service "${name}": build: ${e.message}` });
    } finally {
      output.end();
    }
    out.progress(`Service ${name}  Built`);
    built.push(name);
  }
  return built;
}
