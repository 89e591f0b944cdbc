// The stage graph of a multi-stage Containerfile: each stage's base (an
// image, `scratch`, or an earlier stage), the stages it reads from
// (FROM, COPY --from, RUN --mount=from=), the stages a --target needs
// (the others are skipped) and a schedule that runs independent stages in
// parallel. References must point backwards, so the graph is acyclic by
// construction; schedule() still checks, for graphs built elsewhere.
import { invalidArgument } from '../common/errors.ts';
import type { Dockerfile, FromInstruction, Instruction } from './ast.ts';
import { syntaxError } from './errors.ts';
import { GlobalScope, StageScope, type ScopeOptions } from './expand.ts';

export type StageBase =
  | { kind: 'scratch' }
  | { kind: 'image'; ref: string }
  | { kind: 'stage'; index: number };

export interface Stage {
  index: number;
  /** `AS name`, lowercased. */
  name?: string;
  /** The FROM line, image and --platform expanded from the global scope. */
  from: FromInstruction;
  base: StageBase;
  /** The instructions after FROM, as parsed (expand them with a StageScope while executing). */
  instructions: Instruction[];
  /** Earlier stages this one needs: its base and every COPY --from / RUN --mount from= stage. */
  deps: number[];
  /** Images (not stages) read by COPY --from / RUN --mount from=, expanded. */
  images: string[];
}

export interface StagePlan {
  stages: Stage[];
  global: GlobalScope;
  /** The stage built as the result: --target, else the last one. */
  target: number;
  /** Stages the target needs (itself included), ascending; the others are skipped. */
  needed: number[];
  /** The needed stages in an order where every stage follows its deps. */
  order: number[];
  /** The needed stages grouped into waves: a wave's stages only need earlier waves. */
  waves: number[][];
}

export interface PlanOptions extends ScopeOptions {
  /** --target: a stage name. */
  target?: string;
  /** false (--skip-unused-stages=false): every stage up to the target is built, needed or not. */
  skipUnused?: boolean;
}

/** Splits a parsed Containerfile into stages and plans what to build, in which order. */
export function planStages(df: Dockerfile, opts: PlanOptions = {}): StagePlan {
  const global = new GlobalScope(df, opts);
  const raw: { from: FromInstruction; instructions: Instruction[] }[] = [];
  for (const i of df.instructions) {
    if (i.kind === 'FROM') raw.push({ from: global.expandFrom(i), instructions: [] });
    else if (raw.length) raw[raw.length - 1].instructions.push(i);
    else if (i.kind !== 'ARG') throw syntaxError(i.loc.file, i.loc.start, `${i.kind}: no build stage in current context (instructions before the first FROM must be ARG)`);
  }
  if (!raw.length) throw invalidArgument(`${df.file}: no FROM instruction: the file contains no build stage`);

  const byName = new Map<string, number>();
  raw.forEach((s, index) => {
    const name = s.from.name;
    if (!name) return;
    if (byName.has(name)) throw syntaxError(s.from.loc.file, s.from.loc.start, `FROM: duplicate stage name "${name}"`);
    byName.set(name, index);
  });

  const stages = raw.map((s, index): Stage => {
    /** A stage reference from this stage, or undefined for an image. */
    const resolve = (ref: string, what: string, at: Instruction): number | undefined => {
      const n = byName.get(ref.toLowerCase()) ?? (/^\d+$/.test(ref) ? Number(ref) : undefined);
      if (n === undefined) return undefined;
      const label = raw[n]?.from.name ?? ref;
      if (n >= raw.length) throw syntaxError(at.loc.file, at.loc.start, `${what}: invalid stage index ${ref}`);
      if (n === index) throw syntaxError(at.loc.file, at.loc.start, `${what}: circular dependency detected on stage: ${label}`);
      if (n > index) throw syntaxError(at.loc.file, at.loc.start, `${what}: stage "${label}" is defined later in the file (a stage can only use earlier stages)`);
      return n;
    };
    const image = s.from.image;
    let base: StageBase;
    const baseStage = image === 'scratch' ? undefined : resolve(image, 'FROM', s.from);
    if (image === 'scratch') base = { kind: 'scratch' };
    else if (baseStage !== undefined) base = { kind: 'stage', index: baseStage };
    else base = { kind: 'image', ref: image };

    const deps = new Set<number>(baseStage === undefined ? [] : [baseStage]);
    const images = new Set<string>();
    const use = (ref: string, what: string, at: Instruction) => {
      const n = resolve(ref, what, at);
      if (n === undefined) images.add(ref);
      else deps.add(n);
    };
    // ARG/ENV decide what `--from=$STAGE` means; the base image's ENV is not known yet.
    const scope = new StageScope(global);
    for (const i of s.instructions) {
      if (i.kind === 'ARG' || i.kind === 'ENV') scope.apply(i);
      else if (i.kind === 'COPY' && i.from !== undefined) use(scope.apply(i).from!, 'COPY --from', i);
      else if (i.kind === 'RUN') {
        for (const m of scope.apply(i).mounts) if (m.from !== undefined) use(m.from, 'RUN --mount from', i);
      }
    }
    return { index, name: s.from.name, from: s.from, base, instructions: s.instructions, deps: [...deps].sort((a, b) => a - b), images: [...images] };
  });

  let target = stages.length - 1;
  if (opts.target !== undefined) {
    const t = byName.get(opts.target.toLowerCase());
    if (t === undefined) throw invalidArgument(`target stage "${opts.target}" could not be found in ${df.file}`);
    target = t;
  }
  const needed = opts.skipUnused === false ? stages.slice(0, target + 1).map((s) => s.index) : neededFor(stages, target);
  const label = (n: number) => stages[n].name ?? String(n);
  const { order, waves } = schedule(new Map(needed.map((n) => [n, stages[n].deps])), label);
  return { stages, global, target, needed, order, waves };
}

/** The stages `target` needs, itself included, ascending. */
export function neededFor(stages: Pick<Stage, 'deps'>[], target: number): number[] {
  const seen = new Set<number>();
  const visit = (n: number) => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const d of stages[n].deps) visit(d);
  };
  visit(target);
  return [...seen].sort((a, b) => a - b);
}

/**
 * A topological order and parallel waves for a dependency graph (node →
 * the nodes it needs). Dependencies outside the graph count as done.
 * A cycle is an error naming one of its nodes.
 */
export function schedule(deps: Map<number, number[]>, label: (n: number) => string = String): { order: number[]; waves: number[][] } {
  const waiting = new Map<number, Set<number>>();
  for (const [n, ds] of deps) waiting.set(n, new Set(ds.filter((d) => deps.has(d))));
  const order: number[] = [];
  const waves: number[][] = [];
  while (waiting.size) {
    const ready = [...waiting].filter(([, ds]) => ds.size === 0).map(([n]) => n).sort((a, b) => a - b);
    if (!ready.length) {
      const stuck = Math.min(...waiting.keys());
      throw invalidArgument(`circular dependency detected on stage: ${label(stuck)}`);
    }
    for (const n of ready) waiting.delete(n);
    for (const ds of waiting.values()) for (const n of ready) ds.delete(n);
    order.push(...ready);
    waves.push(ready);
  }
  return { order, waves };
}
