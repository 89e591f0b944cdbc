// OCI platforms ("linux/arm64", "linux/arm/v7") and the built-in build args
// BuildKit derives from them (TARGETPLATFORM, BUILDARCH, ...).
import { invalidArgument } from '../common/errors.ts';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const NODE_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** The platform this process runs on, as Go's runtime.GOOS/GOARCH name it. */
export function hostPlatform(): Platform {
  const architecture = NODE_ARCH[process.arch] ?? process.arch;
  // Node on 32-bit arm is built for ARMv7 at least.
  return architecture === 'arm' ? { os: 'linux', architecture, variant: 'v7' } : { os: 'linux', architecture };
}

/** "linux/amd64", "linux/arm64/v8", "arm64" (os defaults to linux); arm64's v8 is implied. */
export function parsePlatform(s: string): Platform {
  const parts = s.trim().toLowerCase().split('/');
  if (parts.length > 3 || parts.some((p) => !/^[a-z0-9_.-]+$/.test(p))) throw invalidArgument(`invalid platform "${s}": expected os/arch[/variant]`);
  const [os, arch, v] = parts.length === 1 ? ['linux', parts[0]] : parts;
  let architecture = arch;
  let variant: string | undefined = v;
  if (architecture === 'x86_64' || architecture === 'x86-64') architecture = 'amd64';
  if (architecture === 'aarch64') architecture = 'arm64';
  if (architecture === 'arm64' && variant === 'v8') variant = undefined;
  if (architecture === 'arm' && !variant) variant = 'v7';
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** The built-in ARGs: visible in FROM lines, and in a stage once declared with `ARG NAME`. */
export function platformArgs(target: Platform, build: Platform = hostPlatform()): Record<string, string> {
  return {
    TARGETPLATFORM: formatPlatform(target), TARGETOS: target.os, TARGETARCH: target.architecture, TARGETVARIANT: target.variant ?? '',
    BUILDPLATFORM: formatPlatform(build), BUILDOS: build.os, BUILDARCH: build.architecture, BUILDVARIANT: build.variant ?? '',
  };
}
