// The Docker Engine API routes, in one table for the server.
import type { Route } from '../router.ts';
import { attachRoutes } from './attach.ts';
import { containerRoutes } from './containers.ts';
import { imageRoutes } from './images.ts';
import { logRoutes } from './logs.ts';
import { systemRoutes } from './system.ts';
import { waitRoutes } from './wait.ts';

export const compatRoutes: Route[] = [
  ...systemRoutes, ...containerRoutes, ...attachRoutes, ...logRoutes, ...waitRoutes, ...imageRoutes,
];
