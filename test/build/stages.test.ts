// The stage graph (src/build/stages.ts): bases, dependencies, --target pruning, parallel waves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HuskError } from '../../src/common/errors.ts';
import { parseDockerfile } from '../../src/build/parser.ts';
import { planStages, schedule } from '../../src/build/stages.ts';

const plan = (text: string, opts: Parameters<typeof planStages>[1] = {}) => planStages(parseDockerfile(text), opts);

const MULTI = [
  'ARG GO=1.22',
  'FROM golang:${GO} AS build', 'RUN go build',
  'FROM node:20 AS web', 'RUN npm ci',
  'FROM alpine AS docs', 'RUN make docs',
  'FROM build AS test', 'RUN go test',
  'FROM scratch', 'COPY --from=build /app /app', 'COPY --from=1 /dist /www', 'COPY --from=nginx:latest /etc/nginx /etc/nginx',
].join('\n');

test('stages, bases and dependencies', () => {
  const p = plan(MULTI);
  assert.deepEqual(p.stages.map((s) => [s.index, s.name, s.base]), [
    [0, 'build', { kind: 'image', ref: 'golang:1.22' }],
    [1, 'web', { kind: 'image', ref: 'node:20' }],
    [2, 'docs', { kind: 'image', ref: 'alpine' }],
    [3, 'test', { kind: 'stage', index: 0 }],
    [4, undefined, { kind: 'scratch' }],
  ]);
  assert.deepEqual(p.stages.map((s) => s.deps), [[], [], [], [0], [0, 1]]);
  assert.deepEqual(p.stages[4].images, ['nginx:latest']);
  // The default target is the last stage: docs and test are skipped.
  assert.equal(p.target, 4);
  assert.deepEqual(p.needed, [0, 1, 4]);
  assert.deepEqual(p.waves, [[0, 1], [4]]);
  assert.deepEqual(p.order, [0, 1, 4]);
});

test('--target picks a stage and skips the rest', () => {
  const p = plan(MULTI, { target: 'TEST' });
  assert.equal(p.target, 3);
  assert.deepEqual(p.needed, [0, 3]);
  assert.deepEqual(p.waves, [[0], [3]]);
  assert.throws(() => plan(MULTI, { target: 'nope' }), (e: unknown) => e instanceof HuskError && /target stage "nope" could not be found/.test(e.message));
});

test('RUN --mount from= and --from=$ARG are dependencies', () => {
  const p = plan('FROM a AS one\nFROM b AS two\nFROM c\nARG SRC=two\nRUN --mount=type=bind,from=one,target=/x true\nCOPY --from=$SRC / /');
  assert.deepEqual(p.stages[2].deps, [0, 1]);
  assert.deepEqual(p.waves, [[0, 1], [2]]);
});

test('a base stage named in FROM by index', () => {
  assert.deepEqual(plan('FROM a\nFROM 0').stages[1].base, { kind: 'stage', index: 0 });
});

test('forward references, self references and duplicate names are errors naming the stage', () => {
  const err = (text: string, re: RegExp) => assert.throws(() => plan(text), (e: unknown) => e instanceof HuskError && e.code === 'INVALID_ARGUMENT' && re.test(e.message));
  err('FROM a AS one\nCOPY --from=two / /\nFROM b AS two', /^Containerfile:2: COPY --from: stage "two" is defined later/);
  err('FROM a AS one\nCOPY --from=one / /', /^Containerfile:2: COPY --from: circular dependency detected on stage: one$/);
  err('FROM later AS first\nFROM x AS later', /^Containerfile:1: FROM: stage "later" is defined later/);
  err('FROM a AS x\nFROM b AS x', /^Containerfile:2: FROM: duplicate stage name "x"/);
  err('FROM a\nCOPY --from=5 / /', /invalid stage index 5/);
  err('RUN x\nFROM a', /^Containerfile:1: RUN: no build stage in current context/);
  err('ARG A=1\n', /no FROM instruction/);
});

test('schedule: waves of independent nodes, cycles detected', () => {
  const deps = new Map([[0, []], [1, [0]], [2, [0]], [3, [1, 2]], [4, []]]);
  assert.deepEqual(schedule(deps), { order: [0, 4, 1, 2, 3], waves: [[0, 4], [1, 2], [3]] });
  assert.throws(() => schedule(new Map([[0, [1]], [1, [0]], [2, []]]), (n) => `s${n}`), /circular dependency detected on stage: s0/);
});
