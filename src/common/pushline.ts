// The line Podman prints for each blob of a push (`podman push` and the
// libpod API's push stream): layers first, then the config.

/** "Copying blob|config <12 hex> done|skipped: already exists|mounted". */
export function pushLine(p: { kind: string; digest: string; config?: boolean }): string {
  const short = p.digest.slice(p.digest.indexOf(':') + 1).slice(0, 12);
  return `Copying ${p.config ? 'config' : 'blob'} ${short} ${p.kind === 'exists' ? 'skipped: already exists' : p.kind === 'mounted' ? 'mounted' : 'done'}`;
}
