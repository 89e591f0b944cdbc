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
 * - --jitless for the short container commands (create, run, start, stop,
 *   rm, ps, exec...) and version/--version: they end within milliseconds of their last line of
 *   JS, so V8's baseline and optimising compilers only cost them (measured:
 *   2-4 ms of each, ~200 fewer page faults). The others keep the JIT: a
 *   pull or an import parses tar streams for seconds (+13% for an import
 *   without it), and fetch (build's ADD URL, import URL) needs
 *   WebAssembly, which --jitless removes. The command word is found as
 *   src/cli/words.ts finds it, with its regexp of the global flags that
 *   take a value (HUSK_VALUED, passed in by scripts/build.mjs).
 * - --min-semi-space-size=4 (MB): V8's young generation starts at 1 MB, and
 *   every command filled it once while loading, so each paid a scavenge
 *   that copied most of what it had just built (~2.5 ms of main thread,
 *   ~6 ms of CPU for `create`). At 4 MB create, run, start, ps and images
 *   finish without one. It is not in V8's code-cache flag hash.
 * - --preserve-fds: how many fds from 3 on the caller gave us is only known
 *   here, before Node opens its own (epoll, io_uring, pipes land on the
 *   lowest free numbers, 3 and up when the caller passed none). The count
 *   goes to Node as HUSK_INHERITED_FDS; run/exec check it as Podman's
 *   `file descriptor N is not available`, so Node's fds never reach a
 *   container. Counted only when the flag is on the line.
 * - LD_PRELOAD=native/build/husk-preload.so: abseil's deadlock detection
 *   off before Node's main (~3 ms of every start; see that file).
 * Errors are one line on stderr and exit code 125, like husk's own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const JITLESS[] = {"create", "run", "start", "stop", "restart", "kill", "rm", "ps", "exec", "inspect",
  "pause", "unpause", "rename", "port", "top", "wait", "init", "version", NULL};
/* `container WORD`: the same, and these. */
static const char *const JITLESS_CONTAINER[] = {"ls", "list", "exists", "cleanup", NULL};

static int in(const char *w, const char *const *set) {
  for (; *set; set++) if (strcmp(w, *set) == 0) return 1;
  return 0;
}

/* words.ts commandIndex: the first argument that is neither a global flag
 * nor its value, or -1 (also when the regexp does not compile: no guess). */
static int command_index(int argc, char **argv) {
  regex_t re;
  if (regcomp(&re, HUSK_VALUED, REG_EXTENDED | REG_NOSUB) != 0) return -1;
  int at = -1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) { at = i + 1 < argc ? i + 1 : -1; break; }
    if (a[0] != '-') { at = i; break; }
    if (regexec(&re, a, 0, NULL, 0) == 0) i++;
  }
  regfree(&re);
  return at;
}

static int jitless(int argc, char **argv) {
  int i = command_index(argc, argv);
  if (i < 0) {
    /* `husk --version`: prints a line, like `version`. */
    for (int k = 1; k < argc; k++) if (strcmp(argv[k], "--version") == 0 || strcmp(argv[k], "-v") == 0) return 1;
    return 0;
  }
  if (in(argv[i], JITLESS)) return 1;
  if (i + 1 >= argc) return 0;
  if (strcmp(argv[i], "container") == 0) return in(argv[i + 1], JITLESS) || in(argv[i + 1], JITLESS_CONTAINER);
  return strcmp(argv[i], "healthcheck") == 0 && strcmp(argv[i + 1], "run") == 0;
}

static int fail(const char *what) {
  fprintf(stderr, "Error: husk launcher: %s: %s\n", what, strerror(errno));
  return 125;
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "--preserve-fds", 14) != 0) continue;
    int fd = 3;
    while (fd < 65536 && fcntl(fd, F_GETFD) >= 0) fd++;
    char count[16];
    snprintf(count, sizeof count, "%d", fd - 3);
    setenv("HUSK_INHERITED_FDS", count, 1);
    break;
  }
  static char top[PATH_MAX], node[PATH_MAX + 64], script[PATH_MAX + 64], ns[PATH_MAX + 64], cache[PATH_MAX + 64], preload[PATH_MAX + 64];
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
  /* native/husk-preload.c (abseil's deadlock detection off before Node's
   * main; it removes LD_PRELOAD again). A caller's own LD_PRELOAD is left alone. */
  snprintf(preload, sizeof preload, "%s/native/build/husk-preload.so", top);
  if (!getenv("LD_PRELOAD") && access(preload, R_OK) == 0) setenv("LD_PRELOAD", preload, 1);

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
  if (jitless(argc, argv)) av[k++] = "--jitless";
  av[k++] = "--min-semi-space-size=4";
  av[k++] = "--";
  av[k++] = script;
  for (int i = 1; i < argc; i++) av[k++] = argv[i];
  av[k] = NULL;
  execv(av[0], av);
  return fail(av[0]);
}
