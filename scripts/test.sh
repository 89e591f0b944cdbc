#!/bin/sh
# The whole test suite: type-check, build, then node:test over test/ (tests
# start real containers, so they run as root on a set-up machine).
set -eu
cd "$(dirname "$0")/.."
PATH="$PWD/node_modules/.bin:$PATH"
tsc --noEmit -p .
node scripts/build.mjs
sh test/fixtures/build.sh >/dev/null
exec node --test --test-force-exit --test-reporter=spec --test-reporter-destination=stdout --test-reporter=./scripts/file-times.mjs --test-reporter-destination=stderr --test-concurrency=1 --test-timeout=300000 "test/**/*.test.ts"
