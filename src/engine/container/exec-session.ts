// Where an exec session lives on disk, and what its stored state means now.
// Kept light: container cleanup (lifecycle.ts) drops a container's sessions
// through it without loading the exec machinery.
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HuskError } from '../../common/errors.ts';
import { processAlive } from '../../common/process.ts';
import type { EngineContext } from '../context.ts';
import type { ExecSession } from '../state.ts';
import { isoTime } from '../../common/isotime.ts';

type SessionRef = Pick<ExecSession, 'id' | 'containerId'>;

/** RUNDIR/exec/ID: process.json, attach socket, ctl FIFO, pid files, exit/. */
export function sessionDir(e: EngineContext, s: SessionRef): string {
  return join(e.runDir(s.containerId), 'exec', s.id);
}

/** conmon names the exit file after the container: one exit dir per session. */
export function sessionExitFile(e: EngineContext, s: SessionRef): string {
  return join(sessionDir(e, s), 'exit', s.containerId);
}

/** The exit code conmon wrote, and when. */
export function readSessionExit(e: EngineContext, s: SessionRef): { code: number; at: Date } | undefined {
  try {
    const f = sessionExitFile(e, s);
    const text = readFileSync(f, 'utf8').trim();
    return text ? { code: Number(text), at: statSync(f).mtime } : undefined;
  } catch {
    return undefined;
  }
}

/** A session by full ID or unique prefix, with its state brought up to date (not stored). */
export function getSession(e: EngineContext, ref: string): ExecSession {
  const id = ref ? e.db.lookupExecSession(ref) : undefined;
  const s = id && e.db.getExecSession(id);
  if (!s) throw new HuskError('NO_SUCH_EXEC', `no exec session with ID ${ref} found: no such exec session`);
  return refreshSession(e, s);
}

/**
 * A running session whose conmon wrote the exit file is stopped with that
 * code; one whose conmon is gone without writing it (killed, reboot) is
 * stopped with an unknown code (-1).
 */
export function refreshSession(e: EngineContext, s: ExecSession): ExecSession {
  if (s.state !== 'running') return s;
  const ex = readSessionExit(e, s);
  if (ex) return { ...s, state: 'stopped', pid: 0, exitCode: ex.code, finishedAt: isoTime(ex.at) };
  let conmon = 0;
  try { conmon = Number(readFileSync(join(sessionDir(e, s), 'conmon.pid'), 'utf8')); } catch {}
  // No conmon yet: being started, and the starting call records the outcome.
  if (!conmon || processAlive(conmon)) return s;
  return { ...s, state: 'stopped', pid: 0, exitCode: -1 };
}

/** Called by container cleanup: a stopped container's sessions are gone with its processes. */
export function dropExecSessions(e: EngineContext, containerId: string): void {
  e.db.removeExecSessions(containerId);
  rmSync(join(e.runDir(containerId), 'exec'), { recursive: true, force: true });
}
