// Variable interpolation as the Compose Specification defines it: $VAR,
// ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR?err},
// ${VAR:+alt}, ${VAR+alt}, nested operands, $$ for a literal $. A $ that
// starts no valid name is kept as written. Applied to values (never keys),
// per file, before merging.
import { isMap, type Where } from './check.ts';
import { Tagged } from './yaml.ts';

export type Lookup = (name: string) => string | undefined;

/** Reports a direct substitution of an unset variable (Compose warns and uses ""). */
export type OnUnset = (name: string) => void;

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;

/** Expands one string; throws an Error whose message the caller places (file, key path). */
export function interpolate(s: string, lookup: Lookup, onUnset: OnUnset = () => {}): string {
  if (!s.includes('$')) return s;
  const [out, end] = expand(s, 0, false, true, lookup, onUnset);
  if (end !== s.length) throw new Error(`invalid interpolation format: "${s}"`);
  return out;
}

/**
 * Expands s from i until its end, or (inBraces) an unmatched "}", returning
 * the text and where it stopped. Unchosen operands are parsed with
 * evaluate=false so their `?` errors and lookups do not fire.
 */
function expand(s: string, i: number, inBraces: boolean, evaluate: boolean, lookup: Lookup, onUnset: OnUnset): [string, number] {
  let out = '';
  while (i < s.length) {
    const c = s[i];
    if (c === '}' && inBraces) return [out, i];
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = s[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      const [v, end] = braced(s, i + 2, evaluate, lookup, onUnset);
      out += v;
      i = end;
      continue;
    }
    const m = NAME.exec(s.slice(i + 1));
    if (!m) {
      out += '$';
      i++;
      continue;
    }
    if (evaluate) {
      const v = lookup(m[0]);
      if (v === undefined) onUnset(m[0]);
      out += v ?? '';
    }
    i += 1 + m[0].length;
  }
  if (inBraces) throw new Error(`invalid interpolation format: "${s}": missing "}"`);
  return [out, i];
}

/** ${...} from just after "${"; returns the value and the index after "}". */
function braced(s: string, i: number, evaluate: boolean, lookup: Lookup, onUnset: OnUnset): [string, number] {
  const m = NAME.exec(s.slice(i));
  if (!m) throw new Error(`invalid interpolation format: "${s}"`);
  const name = m[0];
  let j = i + name.length;
  if (s[j] === '}') {
    if (!evaluate) return ['', j + 1];
    const v = lookup(name);
    if (v === undefined) onUnset(name);
    return [v ?? '', j + 1];
  }
  const op = [':-', ':?', ':+', '-', '?', '+'].find((o) => s.startsWith(o, j));
  if (!op) throw new Error(`invalid interpolation format: "${s}"`);
  j += op.length;
  const v = evaluate ? lookup(name) : undefined;
  // ":" operators treat an empty value like an unset one.
  const set = op.startsWith(':') ? v !== undefined && v !== '' : v !== undefined;
  const kind = op[op.length - 1];
  const useOperand = evaluate && (kind === '-' ? !set : kind === '+' ? set : !set);
  const [operand, end] = expand(s, j, true, useOperand, lookup, onUnset);
  if (s[end] !== '}') throw new Error(`invalid interpolation format: "${s}": missing "}"`);
  if (!evaluate) return ['', end + 1];
  if (kind === '?' && !set) {
    throw new Error(`required variable ${name} is missing a value${operand ? `: ${operand}` : ''}`);
  }
  return [useOperand ? operand : kind === '+' ? '' : v!, end + 1];
}

/** Interpolates every string value of a parsed YAML tree, in place of a copy. */
export function interpolateTree(node: unknown, w: Where, lookup: Lookup, onUnset: OnUnset): unknown {
  if (typeof node === 'string') {
    try {
      return interpolate(node, lookup, onUnset);
    } catch (e) {
      return w.fail((e as Error).message);
    }
  }
  if (Array.isArray(node)) return node.map((x, i) => interpolateTree(x, w.at(i), lookup, onUnset));
  if (node instanceof Tagged) return new Tagged(node.tag, interpolateTree(node.value, w, lookup, onUnset));
  if (isMap(node)) {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateTree(v, w.at(k), lookup, onUnset)]));
  }
  return node;
}
