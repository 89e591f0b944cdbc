// `compose events` and `compose push`. Events are the engine's container
// events of the project's containers (an event's container is looked up
// once, by its com.docker.compose.project/service labels), in Docker
// Compose's shape; push sends each service's image to its registry.
import type { Engine } from '../engine/api.ts';
import type { HuskEvent } from '../engine/system/api.ts';
import { serviceImage } from './build.ts';
import { LABEL } from './naming.ts';
import { selectServices, type ComposeOutput } from './state.ts';
import type { ComposeProject } from './types.ts';

/** Docker Compose's event: `--json` prints it as is. */
export interface ComposeEvent {
  time: string;
  type: 'container';
  action: string;
  id: string;
  service: string;
  attributes: Record<string, string>;
}

/** The project's container events (of the named services), as they come; stopped by the signal. */
export async function* events(engine: Engine, project: ComposeProject, names: string[], signal: AbortSignal): AsyncGenerator<ComposeEvent> {
  const selected = new Set(selectServices(project, names));
  const services = new Map<string, string | null>();
  const serviceOfEvent = async (ev: HuskEvent): Promise<string | null> => {
    if (!services.has(ev.ID)) {
      const labels = await engine.containers.get(ev.ID).then((c) => c.config.intent.labels ?? {}, () => undefined);
      services.set(ev.ID, labels?.[LABEL.project] === project.name ? labels[LABEL.service] ?? null : null);
    }
    return services.get(ev.ID)!;
  };
  for await (const ev of engine.system.events({ stream: true, since: new Date(), signal, filters: { type: ['container'] } })) {
    const service = await serviceOfEvent(ev);
    if (!service || !selected.has(service)) continue;
    yield {
      time: ev.Time, type: 'container', action: ev.Status === 'health_status' ? `health_status: ${ev.HealthStatus}` : ev.Status, id: ev.ID, service,
      attributes: { ...(ev.Image ? { image: ev.Image } : {}), ...(ev.Name ? { name: ev.Name } : {}), ...ev.Attributes },
    };
  }
}

/** Pushes the image of every named service that has one (its `image`, or the one its build made). */
export async function push(engine: Engine, project: ComposeProject, names: string[], out: ComposeOutput, o: { ignoreFailures?: boolean } = {}): Promise<void> {
  for (const name of selectServices(project, names)) {
    const s = project.services[name];
    const image = serviceImage(project, s);
    if (!image || !s.image) continue; // Docker Compose pushes only images that have a name of their own
    out.progress(`Pushing ${name}: ${image}`);
    try {
      await engine.images.push(image);
      out.progress(`${name} Pushed`);
    } catch (err) {
      if (!o.ignoreFailures) throw err;
      out.warn(`${name}: push failed: ${(err as Error).message}`);
    }
  }
}
