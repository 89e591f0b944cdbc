// Raised by a builtin function for a bad argument; the executor adds position.
export class ArgError extends Error {}
