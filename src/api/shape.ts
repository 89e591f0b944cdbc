// The JSON types of request bodies' fields: Go's decoder, behind Docker's
// and Podman's APIs, rejects a field of the wrong type; checking first turns
// what would be a TypeError deep in a handler (or a wrong value stored) into
// a 400 that names the field.
import { invalidArgument } from '../common/errors.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = Record<string, any>;

export type Kind = 'string' | 'strings' | 'strOrStrings' | 'number' | 'bool' | 'object' | 'stringMap' | 'objects' | 'objectMap';

export const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export function fits(v: unknown, k: Kind): boolean {
  switch (k) {
    case 'string': return typeof v === 'string';
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'bool': return typeof v === 'boolean';
    case 'object': return isObj(v);
    case 'strings': return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'strOrStrings': return typeof v === 'string' || fits(v, 'strings');
    case 'stringMap': return isObj(v) && Object.values(v).every((x) => typeof x === 'string');
    case 'objects': return Array.isArray(v) && v.every(isObj);
    case 'objectMap': return isObj(v) && Object.values(v).every((x) => x === null || isObj(x));
  }
}

/** INVALID_ARGUMENT naming the first field of the wrong JSON type (null is "unset" for every field). */
export function checkShape(obj: Json, shape: Record<string, Kind>, where: string): void {
  for (const [key, kind] of Object.entries(shape)) {
    const v = obj[key];
    if (v !== null && v !== undefined && !fits(v, kind)) throw invalidArgument(`invalid ${where}${key}: expected ${kind === 'strOrStrings' ? 'a string or a list of strings' : kind === 'stringMap' ? 'an object of strings' : kind === 'objects' ? 'a list of objects' : kind === 'strings' ? 'a list of strings' : `a ${kind === 'bool' ? 'boolean' : kind}`}`);
  }
}

