// The command words of an argument list, shared by main.ts (which module to
// load) and the boot loader (which code cache to read): no imports, so the
// loader can bundle it without pulling in the CLI.

/** Global flags that take a value in the next argument. */
const VALUED = /^(--(root|runroot|runtime|log-level|url|connection|storage-driver|storage-opt|imagestore|runtime-flag|events-backend|cgroup-manager|module|out|tmpdir|network-config-dir|cni-config-dir)|-c)$/;

/** Index of the first word that is not a global flag or its value (-1 if none). */
export function commandIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return i + 1 < argv.length ? i + 1 : -1;
    if (!a.startsWith('-')) return i;
    if (VALUED.test(a)) i++;
  }
  return -1;
}

export function commandWord(argv: readonly string[]): string | undefined {
  const i = commandIndex(argv);
  return i < 0 ? undefined : argv[i];
}
