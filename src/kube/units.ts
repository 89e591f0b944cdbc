// Kubernetes names and quantities, both directions.

/** A DNS-1123 label: lower-case alphanumerics and '-', at most 63 characters. */
export function k8sName(s: string): string {
  const name = s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+/, '').slice(0, 63).replace(/-+$/, '');
  return name || 'x';
}

const BINARY: [string, number][] = [['Ei', 2 ** 60], ['Pi', 2 ** 50], ['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]];
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, m: 1e-3, '': 1 };

/** Bytes as the largest exact binary unit ("64Mi"), else plain bytes. */
export function formatMemory(bytes: number): string {
  for (const [suffix, n] of BINARY) if (bytes % n === 0) return `${bytes / n}${suffix}`;
  return String(bytes);
}

/** CPUs as a whole number or millicores ("1", "500m"). */
export function formatCpu(cpus: number): string {
  const milli = Math.round(cpus * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** A Kubernetes quantity ("64Mi", "1G", "500m", "0.5", 2) as a number; undefined when malformed. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) && q >= 0 ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?|\.\d+)(Ei|Pi|Ti|Gi|Mi|Ki|[kMGTPEm]?|e\d+)$/.exec(q.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2];
  if (unit.startsWith('e')) return n * 10 ** Number(unit.slice(1));
  const bin = BINARY.find(([s]) => s === unit);
  return bin ? n * bin[1] : n * DECIMAL[unit];
}
