// Kubernetes probes as husk health checks, both directions.
//
// play: the livenessProbe becomes the container's health check; when the
// pod restarts its containers (restartPolicy Always or OnFailure) an
// unhealthy container is restarted (on-failure restart), as Podman does. A
// readinessProbe is the check of a container without a liveness probe, with
// no action (so ps shows whether it is ready). exec runs its command;
// httpGet runs curl, or wget where there is no curl (busybox); tcpSocket
// runs `nc -z` (or a plain connect where nc has no -z). Kubernetes'
// defaults: period 10s, timeout 1s, failure threshold 3; initialDelaySeconds
// is the start period. A startupProbe is the check's startup check (its
// failureThreshold failures restart the container), beside one of those.
// generate: a health check becomes a livenessProbe (exec of the test), its
// startup check a startupProbe.
import type { HealthcheckSpec } from '../specgen/container.ts';
import type { ResolvedHealthcheck } from '../specgen/health.ts';
import type { KubeObject } from './schema.ts';

const SECOND = 1e9;

interface Ctx {
  fail(path: string, why: string): never;
  warn(path: string, why: string): void;
}

/** Quotes a word for /bin/sh. */
const sh = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

function port(p: unknown, c: KubeObject, at: string, ctx: Ctx): number {
  if (typeof p === 'number') return p;
  if (/^\d+$/.test(String(p))) return Number(p);
  const named = ((c.ports ?? []) as KubeObject[]).find((x) => x.name === p);
  if (!named) ctx.fail(`${at}.port`, `no container port named "${p}"`);
  return named.containerPort;
}

/** The probe's test: CMD for exec, CMD-SHELL for httpGet and tcpSocket. */
function probeTest(probe: KubeObject, c: KubeObject, at: string, ctx: Ctx): string[] {
  if (probe.exec) {
    if (!probe.exec.command?.length) ctx.fail(`${at}.exec.command`, 'required');
    return ['CMD', ...probe.exec.command.map(String)];
  }
  if (probe.httpGet) {
    const g = probe.httpGet;
    if (g.httpHeaders?.length) ctx.warn(`${at}.httpGet.httpHeaders`, 'not supported; ignored');
    const scheme = String(g.scheme ?? 'HTTP').toLowerCase();
    const url = `${scheme}://${g.host || 'localhost'}:${port(g.port, c, `${at}.httpGet`, ctx)}${g.path ? (String(g.path).startsWith('/') ? g.path : `/${g.path}`) : '/'}`;
    return ['CMD-SHELL', `if command -v curl >/dev/null 2>&1; then curl -fsS -o /dev/null ${sh(url)}; else wget -q -O /dev/null ${sh(url)}; fi`];
  }
  if (probe.tcpSocket) {
    const t = probe.tcpSocket;
    const target = `${sh(t.host || 'localhost')} ${port(t.port, c, `${at}.tcpSocket`, ctx)}`;
    // busybox's nc has no -z: connect with stdin at EOF instead.
    return ['CMD-SHELL', `nc -z ${target} </dev/null 2>/dev/null || nc -w 2 ${target} </dev/null >/dev/null`];
  }
  const kind = Object.keys(probe).find((k) => !/Seconds$|Threshold$/.test(k)) ?? '(none)';
  return ctx.fail(`${at}.${kind}`, 'only exec, httpGet and tcpSocket probes are supported');
}

/** The health check of a container spec's probes (undefined: none). */
export function probesToHealthcheck(c: KubeObject, path: string, restartPolicy: string, ctx: Ctx): HealthcheckSpec | undefined {
  const field = c.livenessProbe ? 'livenessProbe' : c.readinessProbe ? 'readinessProbe' : undefined;
  if (!field) {
    if (c.startupProbe) ctx.warn(`${path}.startupProbe`, 'ignored without a liveness or readiness probe (a startup check needs a regular one)');
    return undefined;
  }
  if (field === 'livenessProbe' && c.readinessProbe) ctx.warn(`${path}.readinessProbe`, 'ignored: the liveness probe is the health check');
  const p = c[field] as KubeObject;
  const at = `${path}.${field}`;
  const num = (k: string, dflt: number, min: number) => {
    const v = p[k] ?? dflt;
    if (!Number.isInteger(v) || v < min) ctx.fail(`${at}.${k}`, `must be an integer of at least ${min}`);
    return v as number;
  };
  const restart = field === 'livenessProbe' && (restartPolicy === 'Always' || restartPolicy === 'OnFailure');
  const startPeriod = num('initialDelaySeconds', 0, 0);
  const startup = c.startupProbe ? startupCheck(c, `${path}.startupProbe`, ctx) : undefined;
  return {
    test: probeTest(p, c, at, ctx),
    interval: num('periodSeconds', 10, 1) * SECOND,
    timeout: num('timeoutSeconds', 1, 1) * SECOND,
    retries: num('failureThreshold', 3, 1),
    ...(startPeriod ? { startPeriod: startPeriod * SECOND } : {}),
    ...(restart ? { onFailure: 'restart' as const } : {}),
    ...(startup ? { startup } : {}),
  };
}

/** The startupProbe as a startup check: failureThreshold failures restart the container, successThreshold successes pass it. */
function startupCheck(c: KubeObject, at: string, ctx: Ctx): NonNullable<HealthcheckSpec['startup']> {
  const p = c.startupProbe as KubeObject;
  const num = (k: string, dflt: number) => {
    const v = p[k] ?? dflt;
    if (!Number.isInteger(v) || v < 1) ctx.fail(`${at}.${k}`, 'must be an integer of at least 1');
    return v as number;
  };
  if (p.initialDelaySeconds) ctx.warn(`${at}.initialDelaySeconds`, 'not supported for startup probes; ignored');
  return {
    test: probeTest(p, c, at, ctx), interval: num('periodSeconds', 10) * SECOND, timeout: num('timeoutSeconds', 1) * SECOND,
    retries: num('failureThreshold', 3), successes: num('successThreshold', 1),
  };
}

const secs = (ns: number) => Math.max(1, Math.round(ns / SECOND));
const execOf = (test: string[]) => (test[0] === 'CMD' ? test.slice(1) : test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', test.slice(1).join(' ')] : undefined);

/** A startup check as a startupProbe. */
export function startupToProbe(hc: ResolvedHealthcheck): KubeObject | undefined {
  const st = hc.startup;
  const command = st && execOf(st.test);
  if (!st || !command?.length) return undefined;
  return {
    exec: { command }, periodSeconds: secs(st.interval), timeoutSeconds: secs(st.timeout),
    // Kubernetes has no "never restart": a large threshold stands for retries 0.
    failureThreshold: st.retries || 2 ** 31 - 1, successThreshold: 1,
  };
}

/** A container's health check as a livenessProbe (exec; whole seconds, at least 1). */
export function healthcheckToProbe(hc: ResolvedHealthcheck): KubeObject | undefined {
  const command = execOf(hc.test);
  if (!command?.length) return undefined;
  return {
    exec: { command },
    ...(hc.interval > 0 ? { periodSeconds: secs(hc.interval) } : {}),
    timeoutSeconds: secs(hc.timeout),
    failureThreshold: hc.retries,
    ...(hc.startPeriod > 0 ? { initialDelaySeconds: secs(hc.startPeriod) } : {}),
  };
}
