// The local implementation of the exec domain (ExecAPI): exec sessions of
// this engine's containers. The session code (exec.ts: conmon, attach, the
// container lifecycle) loads on the first call, not when the engine opens.
import type { TerminalSize } from '../api.ts';
import type { EngineContext } from '../context.ts';
import type { ExecAPI, ExecCreateOptions, ExecInspect, ExecStartOptions } from './api.ts';

const impl = () => import('./exec.ts');

export class LocalExec implements ExecAPI {
  readonly #ctx: EngineContext;

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
  }

  async create(container: string, o: ExecCreateOptions): Promise<string> {
    return (await impl()).createExec(this.#ctx, container, o);
  }

  async start(id: string, o?: ExecStartOptions): Promise<number | undefined> {
    return (await impl()).startExec(this.#ctx, id, o);
  }

  async resize(id: string, size: TerminalSize): Promise<void> {
    (await impl()).resizeExec(this.#ctx, id, size);
  }

  async inspect(id: string): Promise<ExecInspect> {
    return (await impl()).inspectExec(this.#ctx, id);
  }

  async remove(id: string, o?: { force?: boolean }): Promise<void> {
    await (await impl()).removeExec(this.#ctx, id, o);
  }
}
