// husk's version, for the CLI and the engine (`info`, `version`, the REST
// API). Kept in step with package.json by the build (esbuild inlines this module).
export const VERSION = '0.1.0';
export const API_VERSION = '4.3.1';
