// husk's engine library: everything the CLI does, callable from Node with no
// daemon. `connect()` opens an Engine on a store; its domains (containers,
// exec, pods, images, volumes, networks, system, secrets) are the same interfaces the
// CLI and the REST API call.
export { connect } from './connect.ts';
export type * from './engine/api.ts';
export type * from './engine/container/api.ts';
export type * from './engine/pod/api.ts';
export type * from './engine/image/api.ts';
export type * from './engine/volume/api.ts';
export type * from './engine/network/api.ts';
export type * from './engine/system/api.ts';
export type * from './engine/secret/api.ts';
export { HuskError, ERROR_TABLE, type ErrorCode } from './common/errors.ts';
