/*
 * husk: the launcher (bin/husk links here; set-up links /usr/local/bin/husk
 * to bin/husk). It execs the pinned Node on dist/husk.cjs, which loads the
 * CLI with V8 code caches of its own (src/cli/boot.ts). A shell script did
 * this before; starting /bin/sh cost ~5 ms of every command.
 *
 * - The checkout (or install) is found from /proc/self/exe: TOP/native/build/husk.
 * - "--" before the bundle: Node 24 otherwise reads a user's `--env-file F`
 *   after the script as its own option.
 * - --no-rehash-snapshot: V8 re-hashes every string of Node's start-up
 *   snapshot with a random seed at each start (~7 M instructions, a twelfth
 *   of Node's own start), a defence against hash flooding by untrusted
 *   input. A command keeps the snapshot's seed; the REST server (`system
 *   service`), which takes others' requests, keeps the random one.
 *   (src/engine/context.ts: conmon's exit command too.)
 * - Anyone but root (the owner of /, as the shell's `[ -O / ]`) goes through
 *   native/build/husk-ns, which enters (or first creates) the user's
 *   rootless namespace before Node starts (docs/rootless.md). root's code
 *   cache (in dist/.cache) is not writable by users: they keep their own,
 *   named here because inside the namespace they are uid 0 too.
 * Errors are one line on stderr and exit code 125, like husk's own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *what) {
  fprintf(stderr, "Error: husk launcher: %s: %s\n", what, strerror(errno));
  return 125;
}

int main(int argc, char **argv) {
  static char top[PATH_MAX], node[PATH_MAX + 64], script[PATH_MAX + 64], ns[PATH_MAX + 64], cache[PATH_MAX + 64];
  ssize_t n = readlink("/proc/self/exe", top, sizeof top - 1);
  if (n < 0) return fail("readlink /proc/self/exe");
  top[n] = 0;
  const char *tail = "/native/build/husk";
  size_t tl = strlen(tail);
  if ((size_t)n <= tl || strcmp(top + n - tl, tail) != 0) {
    errno = EINVAL;
    return fail(top);
  }
  top[n - tl] = 0;
  snprintf(node, sizeof node, "%s/node_modules/node/bin/node", top);
  snprintf(script, sizeof script, "%s/dist/husk.cjs", top);

  const char *seed = "--no-rehash-snapshot";
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp(argv[i], "system") == 0 && strcmp(argv[i + 1], "service") == 0) seed = "--rehash-snapshot";

  struct stat st;
  int root = stat("/", &st) == 0 && st.st_uid == geteuid();
  char **av = calloc(argc + 8, sizeof *av);
  if (!av) return fail("calloc");
  int k = 0;
  if (!root) {
    snprintf(ns, sizeof ns, "%s/native/build/husk-ns", top);
    av[k++] = ns;
    const char *given = getenv("HUSK_CODE_CACHE");
    if (!given || !*given) {
      const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
      if (xdg && *xdg) snprintf(cache, sizeof cache, "%s/husk/code", xdg);
      else snprintf(cache, sizeof cache, "%s/.cache/husk/code", home ? home : "");
      setenv("HUSK_CODE_CACHE", cache, 1);
    }
  }
  av[k++] = node;
  av[k++] = "--disable-warning=ExperimentalWarning";
  av[k++] = (char *)seed;
  av[k++] = "--";
  av[k++] = script;
  for (int i = 1; i < argc; i++) av[k++] = argv[i];
  av[k] = NULL;
  execv(av[0], av);
  return fail(av[0]);
}
