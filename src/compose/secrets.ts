// Secrets from the environment (`secrets: {x: {environment: VAR}}`): before
// a service's containers are created, the variable's value (from the
// environment interpolation saw) is stored as a husk secret named like the
// project's other resources (PROJECT_KEY), labelled with the project, and
// given to the containers as `--secret` is; `down` removes these copies.
// File secrets stay binds and external ones are the store's own (translate.ts).
import { invalidArgument } from '../common/errors.ts';
import type { Engine } from '../engine/api.ts';
import { LABEL } from './naming.ts';
import type { ComposeProject, ComposeService } from './types.ts';

/** Stores the environment secrets the services use (replacing an earlier copy: the value may have changed). */
export async function ensureEnvSecrets(engine: Engine, project: ComposeProject, services: ComposeService[]): Promise<void> {
  const keys = new Set(services.flatMap((s) => s.secrets.map((r) => r.source)).filter((k) => project.secrets[k]?.environment !== undefined));
  for (const key of [...keys].sort()) {
    const obj = project.secrets[key];
    const value = project.environment[obj.environment!];
    if (value === undefined || value === '') throw invalidArgument(`secrets.${key}.environment: environment variable ${obj.environment} is not set`);
    await engine.secrets.create(obj.name, {
      data: Buffer.from(value).toString('base64'), replace: true,
      labels: { ...obj.labels, [LABEL.project]: project.name, 'com.docker.compose.secret': key },
    });
  }
}

/** Removes the project's environment secrets; returns their names. */
export async function removeEnvSecrets(engine: Engine, project: ComposeProject): Promise<string[]> {
  const mine = await engine.secrets.list({ filters: { label: [`${LABEL.project}=${project.name}`, 'com.docker.compose.secret'] } });
  if (!mine.length) return [];
  await engine.secrets.remove(mine.map((s) => s.ID), { ignore: true });
  return mine.map((s) => s.Spec.Name);
}
