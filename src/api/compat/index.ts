// The Docker Engine API routes, in one table for the server.
import type { Route } from '../router.ts';
import { archiveRoutes } from './archive.ts';
import { attachRoutes } from './attach.ts';
import { buildRoutes } from './build.ts';
import { containerRoutes } from './containers.ts';
import { execRoutes } from './exec.ts';
import { imageRoutes } from './images.ts';
import { logRoutes } from './logs.ts';
import { networkRoutes } from './networks.ts';
import { statsRoutes } from './stats.ts';
import { systemRoutes } from './system.ts';
import { volumeRoutes } from './volumes.ts';
import { waitRoutes } from './wait.ts';
import { websocketRoutes } from './websocket.ts';

export const compatRoutes: Route[] = [
  ...systemRoutes, ...containerRoutes, ...attachRoutes, ...logRoutes, ...waitRoutes, ...imageRoutes,
  ...execRoutes, ...networkRoutes, ...volumeRoutes, ...statsRoutes, ...archiveRoutes, ...buildRoutes, ...websocketRoutes,
];
