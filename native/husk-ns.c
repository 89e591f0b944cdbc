/*
 * husk-ns: the single-threaded launcher step that puts a non-root husk into
 * its user namespace before Node starts (Node's threads make setns/unshare of
 * a user namespace impossible in-process).
 *
 *   husk-ns NODE [NODE-ARGS...] -- SCRIPT [HUSK-ARGS...]
 *
 * Real root, and anything already inside the namespace (uid 0 there), execs
 * NODE NODE-ARGS -- SCRIPT HUSK-ARGS at once. Otherwise it joins the user and mount
 * namespaces of the user's pause process (RUNDIR/pause.pid, RUNDIR being
 * $XDG_RUNTIME_DIR/husk or /tmp/husk-run-UID/husk), creating it first if none
 * is alive: a child unshares CLONE_NEWUSER|CLONE_NEWNS, newuidmap/newgidmap map
 * 0 -> the user and 1..N -> the /etc/subuid and /etc/subgid ranges, and a
 * detached grandchild keeps the namespaces alive (as Podman's pause process
 * does) so later commands see the same mounts. A lock file serialises creation.
 * Errors are one line on stderr and exit code 125, like husk's own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAUSE_NAME "husk-pause"
#define MAX_RANGES 16

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("Error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(125);
}

/* Commands that never touch storage (help, version) skip the namespace, so
 * they work even before /etc/subuid is set up. */
static int needs_namespace(int argc, char **argv) {
  static const char *groups[] = {"container", "image", "network", "system", "volume", NULL};
  int words = 0, group = 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--root") || !strcmp(a, "--runroot") || !strcmp(a, "--runtime") || !strcmp(a, "--log-level")) {
      i++;
      continue;
    }
    /* `husk --help`, `husk CMD --help`, `husk GROUP CMD --help` (not `husk run IMG --help`). */
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) return !(i == argc - 1 && (words <= 1 || (words == 2 && group)));
    if (!strcmp(a, "-v") || !strcmp(a, "--version")) return words > 0;
    if (a[0] == '-') return 1;
    if (words == 0 && (!strcmp(a, "version") || !strcmp(a, "help"))) return 0;
    if (words == 0)
      for (int g = 0; groups[g]; g++) group |= !strcmp(a, groups[g]);
    words++;
  }
  return words > 0;
}

static void mkdir_private(const char *path, uid_t uid, int check_owner) {
  if (mkdir(path, 0700) == 0) return;
  if (errno != EEXIST) die("creating %s: %s", path, strerror(errno));
  struct stat st;
  if (lstat(path, &st) != 0) die("%s: %s", path, strerror(errno));
  if (!S_ISDIR(st.st_mode)) die("%s is not a directory", path);
  /* A shared /tmp: someone else may have made this name first. */
  if (check_owner && (st.st_uid != uid || (st.st_mode & 022)))
    die("%s is not a private directory of uid %u: remove it or set XDG_RUNTIME_DIR", path, (unsigned)uid);
}

static void run_dir(uid_t uid, char *out, size_t len) {
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  char base[PATH_MAX - 16];
  if (xdg && *xdg) {
    snprintf(base, sizeof base, "%s", xdg);
    struct stat st;
    if (stat(base, &st) != 0 || !S_ISDIR(st.st_mode)) die("XDG_RUNTIME_DIR %s is not a directory", base);
  } else {
    snprintf(base, sizeof base, "/tmp/husk-run-%u", (unsigned)uid);
    mkdir_private(base, uid, 1);
  }
  snprintf(out, len, "%s/husk", base);
  mkdir_private(out, uid, !(xdg && *xdg));
}

/* Joins the pause process's user and mount namespaces; 0 on success. */
static int try_join(const char *pidfile, uid_t uid) {
  char buf[64], path[64];
  int fd = open(pidfile, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  int pid = atoi(buf);
  if (pid <= 0) return -1;
  /* The pidfd pins this process; the checks below then rule out a reused pid. */
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) return -1;
  snprintf(path, sizeof path, "/proc/%d/comm", pid);
  fd = open(path, O_RDONLY | O_CLOEXEC);
  n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  if (fd >= 0) close(fd);
  struct stat st;
  snprintf(path, sizeof path, "/proc/%d", pid);
  int ok = n > 0 && !strncmp(buf, PAUSE_NAME "\n", strlen(PAUSE_NAME) + 1) && stat(path, &st) == 0 && st.st_uid == uid;
  if (ok && syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) != 0) ok = 0;
  if (ok && setns(pidfd, CLONE_NEWUSER | CLONE_NEWNS) != 0) {
    int e = errno;
    ok = 0;
    if (e == ESRCH) goto out; /* died (a zombie until reaped): make a new one */
    close(pidfd);
    die("joining the rootless namespace of pause process %d: %s", pid, strerror(e));
  }
out:
  close(pidfd);
  return ok ? 0 : -1;
}

struct range { unsigned long start, count; };

/* Ranges for the user (by name or uid) in /etc/subuid or /etc/subgid. */
static int read_ranges(const char *file, const char *name, uid_t uid, struct range *r) {
  FILE *f = fopen(file, "re");
  if (!f) return 0;
  char line[512], uidstr[32];
  snprintf(uidstr, sizeof uidstr, "%u", (unsigned)uid);
  int n = 0;
  while (n < MAX_RANGES && fgets(line, sizeof line, f)) {
    char *save, *who = strtok_r(line, ":\n", &save), *s = strtok_r(NULL, ":\n", &save), *c = strtok_r(NULL, ":\n", &save);
    if (!who || !s || !c || line[0] == '#') continue;
    if (strcmp(who, uidstr) && (!name || strcmp(who, name))) continue;
    char *e1, *e2;
    unsigned long start = strtoul(s, &e1, 10), count = strtoul(c, &e2, 10);
    if (*e1 || *e2 || count == 0) continue;
    r[n].start = start;
    r[n].count = count;
    n++;
  }
  fclose(f);
  return n;
}

static const char *find_tool(const char *name) {
  static char path[64];
  const char *dirs[] = {"/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin", NULL};
  for (int i = 0; dirs[i]; i++) {
    snprintf(path, sizeof path, "%s/%s", dirs[i], name);
    if (access(path, X_OK) == 0) return path;
  }
  return NULL;
}

/* newuidmap PID 0 ID 1 START COUNT [NEXT START COUNT]...; 0 on success. */
static int write_map(const char *tool, pid_t pid, unsigned long id, struct range *r, int n) {
  char *args[4 + 3 * (MAX_RANGES + 1)], nums[3 * (MAX_RANGES + 1) + 1][24];
  int a = 0, k = 0;
  args[a++] = (char *)tool;
  snprintf(nums[k], 24, "%d", (int)pid);
  args[a++] = nums[k++];
  unsigned long inside = 0;
  for (int i = -1; i < n; i++) {
    unsigned long start = i < 0 ? id : r[i].start, count = i < 0 ? 1 : r[i].count;
    snprintf(nums[k], 24, "%lu", inside);
    args[a++] = nums[k++];
    snprintf(nums[k], 24, "%lu", start);
    args[a++] = nums[k++];
    snprintf(nums[k], 24, "%lu", count);
    args[a++] = nums[k++];
    inside += count;
  }
  args[a] = NULL;
  pid_t c = fork();
  if (c < 0) return -1;
  if (c == 0) {
    execv(tool, args);
    _exit(127);
  }
  int status;
  while (waitpid(c, &status, 0) < 0 && errno == EINTR) {}
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void read_full(int fd, void *buf, size_t len) {
  char *p = buf;
  while (len) {
    ssize_t n = read(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(1);
    p += n;
    len -= (size_t)n;
  }
}

/* The pause process: detached, no fds (a caller waiting on our stdout must
 * not wait on it), sleeping until `husk system migrate` kills it. */
static void become_pause(void) {
  setsid();
  if (chdir("/") != 0) _exit(1);
  int null = open("/dev/null", O_RDWR);
  for (int fd = 0; fd < 3; fd++) dup2(null, fd);
  syscall(SYS_close_range, 3, ~0U, 0);
  signal(SIGHUP, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  for (;;) pause();
}

static void create_namespace(const char *dir, const char *pidfile, uid_t uid, gid_t gid) {
  struct passwd *pw = getpwuid(uid);
  const char *name = pw ? pw->pw_name : NULL;
  const char *who = name ? name : "this user";
  struct range ur[MAX_RANGES], gr[MAX_RANGES];
  int nu = read_ranges("/etc/subuid", name, uid, ur), ng = read_ranges("/etc/subgid", name, uid, gr);
  if (!nu || !ng)
    die("no %s ranges for user %s (uid %u) in %s: rootless husk needs subordinate ids; as root run "
        "`usermod --add-subuids 100000-165535 --add-subgids 100000-165535 %s` (with a range no other user has)",
        !nu ? "subuid" : "subgid", who, (unsigned)uid, !nu ? "/etc/subuid" : "/etc/subgid", name ? name : "USER");
  char uidtool[64], gidtool[64];
  for (int i = 0; i < 2; i++) {
    const char *tool = i ? "newgidmap" : "newuidmap", *found = find_tool(tool);
    if (!found) die("%s not found: rootless husk needs it (install the uidmap package: apt-get install uidmap)", tool);
    snprintf(i ? gidtool : uidtool, 64, "%s", found);
  }

  int c2p[2], p2c[2];
  if (pipe2(c2p, O_CLOEXEC) || pipe2(p2c, O_CLOEXEC)) die("pipe: %s", strerror(errno));
  pid_t child = fork();
  if (child < 0) die("fork: %s", strerror(errno));
  if (child == 0) {
    close(c2p[0]);
    close(p2c[1]);
    int err = unshare(CLONE_NEWUSER | CLONE_NEWNS) ? errno : 0;
    if (write(c2p[1], &err, sizeof err) != sizeof err || err) _exit(1);
    char go;
    read_full(p2c[0], &go, 1); /* mappings written */
    /* Slave, not private: host mounts made later (a new disk, a bind) still
     * show up for bind mounts, while ours never propagate back out. */
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0) _exit(1);
    /* Named before the fork, so the pid file never names an unnamed pause process. */
    prctl(PR_SET_NAME, PAUSE_NAME, 0, 0, 0);
    pid_t g = fork();
    if (g == 0) become_pause();
    if (write(c2p[1], &g, sizeof g) != sizeof g) _exit(1);
    _exit(0);
  }
  close(c2p[1]);
  close(p2c[0]);
  int err = -1;
  ssize_t n = read(c2p[0], &err, sizeof err);
  if (n != sizeof err || err) {
    if (err == EPERM || err == ENOSPC || err == EUSERS)
      die("cannot create a user namespace: %s (check sysctl user.max_user_namespaces and kernel.unprivileged_userns_clone)", strerror(err));
    die("cannot create a user namespace: %s", n == sizeof err ? strerror(err) : "child failed");
  }
  if (write_map(uidtool, child, uid, ur, nu) != 0) {
    kill(child, SIGKILL);
    die("%s failed for user %s: check that its /etc/subuid ranges are valid, do not overlap other users' and that %s is setuid root", uidtool, who, uidtool);
  }
  if (write_map(gidtool, child, gid, gr, ng) != 0) {
    kill(child, SIGKILL);
    die("%s failed for user %s: check that its /etc/subgid ranges are valid, do not overlap other users' and that %s is setuid root", gidtool, who, gidtool);
  }
  if (write(p2c[1], "g", 1) != 1) die("pause process vanished");
  pid_t pause_pid = 0;
  n = read(c2p[0], &pause_pid, sizeof pause_pid);
  int status;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
  if (n != sizeof pause_pid || pause_pid <= 0) die("creating the pause process failed");
  close(c2p[0]);
  close(p2c[1]);

  char tmp[PATH_MAX + 16], text[32];
  snprintf(tmp, sizeof tmp, "%s/pause.pid.tmp", dir);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int len = snprintf(text, sizeof text, "%d", (int)pause_pid);
  if (fd < 0 || write(fd, text, (size_t)len) != len || close(fd) != 0 || rename(tmp, pidfile) != 0)
    die("writing %s: %s", pidfile, strerror(errno));
}

int main(int argc, char **argv) {
  int sep = 1;
  while (sep < argc && strcmp(argv[sep], "--")) sep++;
  if (sep < 2 || sep + 1 >= argc) {
    fprintf(stderr, "usage: husk-ns NODE [NODE-ARGS...] -- SCRIPT [HUSK-ARGS...]\n");
    return 125;
  }
  /* Node's argv is ours unchanged: the "--" ends Node's options, so husk's own
     arguments (say `--env-file F`) are never read as Node's. */
  char **nargv = calloc((size_t)argc, sizeof *nargv);
  for (int i = 1; i < argc; i++) nargv[i - 1] = argv[i];
  nargv[argc - 1] = NULL;

  uid_t uid = getuid();
  if (uid != 0 && needs_namespace(argc - sep - 2, argv + sep + 2)) {
    char dir[PATH_MAX], pidfile[PATH_MAX + 16], lockfile[PATH_MAX + 16];
    run_dir(uid, dir, sizeof dir);
    snprintf(pidfile, sizeof pidfile, "%s/pause.pid", dir);
    if (try_join(pidfile, uid) != 0) {
      snprintf(lockfile, sizeof lockfile, "%s/pause.lock", dir);
      int lock = open(lockfile, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      if (lock < 0 || flock(lock, LOCK_EX) != 0) die("locking %s: %s", lockfile, strerror(errno));
      if (try_join(pidfile, uid) != 0) {
        create_namespace(dir, pidfile, uid, getgid());
        if (try_join(pidfile, uid) != 0) die("the new pause process in %s is gone", pidfile);
      }
      close(lock);
    }
  }
  execv(nargv[0], nargv);
  die("exec %s: %s", nargv[0], strerror(errno));
}
