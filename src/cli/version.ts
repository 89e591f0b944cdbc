// The version the CLI prints; it lives in common/ so the engine reports the same.
export { API_VERSION, VERSION } from '../common/version.ts';
