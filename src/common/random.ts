// Random bytes for IDs and names, read from /dev/urandom: importing
// node:crypto costs a few milliseconds of start-up, which the run path
// (one ID, one name) does not need to pay.
import { closeSync, openSync, readSync } from 'node:fs';

export function randomBytes(n: number): Buffer {
  const buf = Buffer.allocUnsafe(n);
  const fd = openSync('/dev/urandom', 'r');
  try {
    for (let off = 0; off < n; ) off += readSync(fd, buf, off, n - off, null);
  } finally {
    closeSync(fd);
  }
  return buf;
}

/** Uniform integer in [0, max), max ≤ 2^32 (rejection sampling, no modulo bias). */
export function randomInt(max: number): number {
  const limit = Math.floor(2 ** 32 / max) * max;
  for (;;) {
    const v = randomBytes(4).readUInt32LE(0);
    if (v < limit) return v % max;
  }
}

/** node:crypto, loaded on first use (hashing is never on the run path). */
export function nodeCrypto(): typeof import('node:crypto') {
  return process.getBuiltinModule('node:crypto') as typeof import('node:crypto');
}
