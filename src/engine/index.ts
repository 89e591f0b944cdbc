// husk's engine library: everything the CLI does, callable from Node with no
// daemon. `connect()` opens an Engine on a store; its domains (containers,
// exec, pods, images, volumes, networks, system) are the same interfaces the
// CLI and the REST API call.
export { connect } from './connect.ts';
export type * from './api.ts';
export type * from './container/api.ts';
export type * from './pod/api.ts';
export type * from './image/api.ts';
export type * from './volume/api.ts';
export type * from './network/api.ts';
export type * from './system/api.ts';
export { HuskError, ERROR_TABLE, type ErrorCode } from '../common/errors.ts';
