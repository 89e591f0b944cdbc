// systemd-analyze verify on generated units. systemd is installed on these
// machines but is not PID 1; verify still loads a unit file with the real
// parser and checks sections, keys, Exec paths (which must exist and be
// executable) and specifiers. A stand-in husk binary makes the Exec paths valid.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const HAVE_VERIFY = (() => {
  try {
    execFileSync('systemd-analyze', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** A directory with an executable `husk` script standing in for the binary. */
export function fakeHusk(): { dir: string; exe: string } {
  const dir = mkdtempSync(join(tmpdir(), 'husk-units-'));
  const exe = join(dir, 'husk');
  writeFileSync(exe, '#!/bin/sh\nexit 0\n');
  chmodSync(exe, 0o755);
  return { dir, exe };
}

/** Writes the units into a fresh directory and verifies each; returns the problems found. */
export function verifyUnits(units: { fileName: string; text: string }[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'husk-verify-'));
  for (const u of units) writeFileSync(join(dir, u.fileName), u.text);
  const problems: string[] = [];
  for (const u of units) {
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', '--recursive-errors=no', join(dir, u.fileName)], { encoding: 'utf8' });
    // Only lines about the unit itself count: verify also reports the host's own units on some machines.
    const own = `${r.stderr}${r.stdout}`.split('\n').filter((l) => l.includes(dir));
    if (r.status !== 0 || own.length) problems.push(`${u.fileName}: exit ${r.status}\n${r.stderr}${r.stdout}`);
  }
  return problems;
}
