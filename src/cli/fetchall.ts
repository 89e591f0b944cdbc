// Inspect commands call the async engine API but print through printInspect
// (inspect.ts), whose getter is synchronous: fetch every object (or its
// error) first, in order, then hand printInspect a lookup.
export async function fetchAll(names: string[], get: (name: string) => Promise<unknown>): Promise<(name: string) => unknown> {
  const got = new Map<string, { value?: unknown; error?: unknown }>();
  for (const n of names) {
    if (got.has(n)) continue;
    try {
      got.set(n, { value: await get(n) });
    } catch (error) {
      got.set(n, { error });
    }
  }
  return (n) => {
    const r = got.get(n)!;
    if (r.error !== undefined) throw r.error;
    return r.value;
  };
}
