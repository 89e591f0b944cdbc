// --log-opt tag=: a Go template over the container's inspect data, rendered
// when conmon is started (Podman's getLogTag), so `{{.ID}}`, `{{.Name}}`,
// `{{.ImageName}}`, `{{.Config.Hostname}}` ... all work. inspect keeps the
// template as typed. Loaded only for a tag with an action in it.
import { HuskError } from '../../common/errors.ts';
import { compileTemplate } from '../../common/gotemplate/template.ts';
import type { EngineContext } from '../context.ts';
import { inspectContainer } from './query.ts';

export function renderLogTag(e: EngineContext, id: string, tag: string): string {
  let render: (data: unknown) => string;
  try {
    render = compileTemplate(tag, 'container');
  } catch (err) {
    throw new HuskError('INVALID_ARGUMENT', `template parsing error ${tag}: ${(err as Error).message}`);
  }
  try {
    return render(inspectContainer(e, id));
  } catch (err) {
    throw new HuskError('INVALID_ARGUMENT', (err as Error).message);
  }
}
