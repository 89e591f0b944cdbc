// Network mode words that code outside the slirp4netns module needs without
// loading it (src/engine/network/attach.ts).

export function isSlirpMode(mode: string | undefined): boolean {
  return mode === 'slirp4netns' || !!mode?.startsWith('slirp4netns:');
}
