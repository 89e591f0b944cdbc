// Go durations for HEALTHCHECK --interval/--timeout/...: the parser lives
// with the spec (src/specgen/duration.ts), which run/create's --health-*
// flags share.
export { parseDuration } from '../specgen/duration.ts';
