// husk's own REST API (the remote client's protocol): mount `huskRoutes()`
// on the REST server next to the Docker/libpod routes. See docs/remote.md.
export { huskRoutes } from './routes.ts';
export { METHODS, PREFIX } from './methods.ts';
