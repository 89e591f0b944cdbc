// Exit handling inside a long-lived engine (the API service). Daemonless,
// conmon's exit command (`flock -n FG <husk> container cleanup ID`, see
// EngineContext.exitCommand) folds an exit into the state: a whole Node
// start-up per container. A process that stays up anyway can do that work
// itself: for each container it starts it holds the container's foreground
// lock, as an attached client does, so the exit command's flock finds it
// held and exits at once; an inotify watch on the exit directory (with a
// slow poll as a safety net) then runs the same cleanup and restart policy
// in this process.
//
// Nothing depends on this process staying up: when it dies the kernel drops
// its locks and later exits run the exit command again; an exit that
// happened meanwhile is folded by the next start, stop or rm (syncState), as
// after an attached client that died. close() releases every lock first and
// only then cleans up exits already written, so an exit is never left to
// nobody: either its exit command found the lock free, or close() sees its
// exit file.
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { tryLockFile, unlockFile } from '../../common/lock.ts';
import { FLOCK, type EngineContext } from '../context.ts';

const POLL_MS = 2000;

export class ExitMonitor {
  readonly #e: EngineContext;
  /** Container ID → fd of its foreground lock, held until its exit is cleaned up. */
  readonly #held = new Map<string, number>();
  /** Exits being handled (inotify reports a file more than once). */
  readonly #busy = new Map<string, Promise<void>>();
  #watcher: FSWatcher | undefined;
  #poll: NodeJS.Timeout | undefined;
  #closed = false;
  /** Without flock the exit command is not guarded: it runs whatever we hold. */
  readonly #guarded = existsSync(FLOCK);

  constructor(e: EngineContext) {
    this.#e = e;
  }

  /**
   * Called before a container's process starts: takes its foreground lock.
   * Returns a release for a start that failed, or undefined when someone
   * else (an attached client) holds the lock and cleans up itself.
   */
  hold(id: string): (() => void) | undefined {
    if (this.#closed || !this.#guarded) return undefined;
    if (this.#held.has(id)) return () => this.#release(id);
    const fd = tryLockFile(this.#e.foregroundLockPath(id));
    if (fd === undefined) return undefined;
    this.#held.set(id, fd);
    this.#follow();
    return () => this.#release(id);
  }

  #follow(): void {
    if (this.#watcher) return;
    this.#e.ensureDirs();
    this.#watcher = watch(this.#e.exitDir(), (_ev, file) => {
      if (file) this.#check(file);
      else for (const id of this.#held.keys()) this.#check(id);
    });
    this.#watcher.on('error', () => {});
    // inotify may miss events on some filesystems; this is cheap (one read per held container).
    this.#poll = setInterval(() => { for (const id of this.#held.keys()) this.#check(id); }, POLL_MS);
    this.#poll.unref();
  }

  #check(id: string): void {
    if (!this.#held.has(id) || this.#busy.has(id) || !this.#e.readExit(id)) return;
    this.#busy.set(id, this.#handle(id).finally(() => this.#busy.delete(id)));
  }

  /** What the exit command does, with the lock held, then the restart policy with it released (as an attached client). */
  async #handle(id: string): Promise<void> {
    let folded = false;
    try {
      // A stop or rm that ran meanwhile has folded the exit already; the record may be gone.
      const c = this.#e.db.get(id);
      const live = c && (c.state.status === 'running' || c.state.status === 'paused' || (c.state.status === 'created' && c.state.pid > 0));
      if (live) folded = await (await import('./lifecycle.ts')).cleanupContainer(this.#e, id);
    } catch {
      // As for the exit command: a failed cleanup is retried by the next start, stop or rm.
    } finally {
      this.#release(id);
    }
    if (folded && !this.#closed) await (await import('./restart.ts')).restartByPolicy(this.#e, id).catch(() => false);
  }

  #release(id: string): void {
    const fd = this.#held.get(id);
    if (fd === undefined) return;
    this.#held.delete(id);
    unlockFile(fd);
    if (!this.#held.size) this.#stop();
  }

  #stop(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    clearInterval(this.#poll);
    this.#poll = undefined;
  }

  /** Stops monitoring: exits being handled finish, every other lock is released, then exits already written are cleaned up here. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#busy.values());
    const ids = [...this.#held.keys()];
    for (const id of ids) this.#release(id);
    this.#stop();
    for (const id of ids) {
      if (!this.#e.readExit(id)) continue;
      try { await (await import('./lifecycle.ts')).cleanupContainer(this.#e, id); } catch {}
    }
  }
}
