/*
 * husk native addon: the few syscalls Node.js does not expose.
 * Only thread-safe, process-wide calls belong here; anything that must
 * enter or create namespaces goes in a separate single-threaded helper,
 * because Node's threads make setns/unshare unusable in-process.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#define MAX_PATH 4096

static napi_value throw_errno(napi_env env, int err, const char *syscall, const char *path) {
  char msg[MAX_PATH + 128];
  if (path)
    snprintf(msg, sizeof msg, "%s %s: %s", syscall, path, strerror(err));
  else
    snprintf(msg, sizeof msg, "%s: %s", syscall, strerror(err));
  napi_value m, e, v;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m);
  napi_create_error(env, NULL, m, &e);
  /* Node's own errno names, so callers can test err.code like fs errors. */
  const char *code = NULL;
  switch (err) {
  case EPERM: code = "EPERM"; break;
  case ENOENT: code = "ENOENT"; break;
  case EACCES: code = "EACCES"; break;
  case EBUSY: code = "EBUSY"; break;
  case EEXIST: code = "EEXIST"; break;
  case EINVAL: code = "EINVAL"; break;
  case ENOTSUP: code = "ENOTSUP"; break;
  case ENODATA: code = "ENODATA"; break;
  case EWOULDBLOCK: code = "EWOULDBLOCK"; break;
  case ECONNREFUSED: code = "ECONNREFUSED"; break;
  case ENOTDIR: code = "ENOTDIR"; break;
  case EINTR: code = "EINTR"; break;
  case ECHILD: code = "ECHILD"; break;
  case EMFILE: code = "EMFILE"; break;
  default: code = "EUNKNOWN";
  }
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, e, "code", v);
  napi_create_int32(env, err, &v);
  napi_set_named_property(env, e, "errno", v);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, e, "syscall", v);
  napi_throw(env, e);
  return NULL;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < want) {
    napi_throw_type_error(env, NULL, "not enough arguments");
    return -1;
  }
  return 0;
}

/* Returns 0 and fills buf (NUL-terminated), or -1 with a pending exception.
 * null/undefined give an empty string when allow_null is set. */
static int get_str(napi_env env, napi_value v, char *buf, size_t len, int allow_null) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (allow_null && (t == napi_null || t == napi_undefined)) {
    buf[0] = 0;
    return 1;
  }
  size_t n;
  if (napi_get_value_string_utf8(env, v, buf, len, &n) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a string");
    return -1;
  }
  if (n >= len - 1) {
    napi_throw_range_error(env, NULL, "string too long");
    return -1;
  }
  return 0;
}

static napi_value undef(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

/* mount(source, target, fstype, flags, data) */
static napi_value js_mount(napi_env env, napi_callback_info info) {
  napi_value a[5];
  if (get_args(env, info, 5, a)) return NULL;
  char src[MAX_PATH], tgt[MAX_PATH], fs[64];
  char *data = malloc(65536);
  int sn, fn, dn;
  uint32_t flags;
  if ((sn = get_str(env, a[0], src, sizeof src, 1)) < 0 || get_str(env, a[1], tgt, sizeof tgt, 0) < 0 ||
      (fn = get_str(env, a[2], fs, sizeof fs, 1)) < 0 || (dn = get_str(env, a[4], data, 65536, 1)) < 0) {
    free(data);
    return NULL;
  }
  napi_get_value_uint32(env, a[3], &flags);
  int r = mount(sn ? NULL : src, tgt, fn ? NULL : fs, flags, dn ? NULL : data);
  int err = errno;
  free(data);
  if (r < 0) return throw_errno(env, err, "mount", tgt);
  return undef(env);
}

/* umount2(target, flags) */
static napi_value js_umount2(napi_env env, napi_callback_info info) {
  napi_value a[2];
  if (get_args(env, info, 2, a)) return NULL;
  char tgt[MAX_PATH];
  int32_t flags;
  if (get_str(env, a[0], tgt, sizeof tgt, 0) < 0) return NULL;
  napi_get_value_int32(env, a[1], &flags);
  if (umount2(tgt, flags) < 0) return throw_errno(env, errno, "umount2", tgt);
  return undef(env);
}

/* mknod(path, mode, major, minor) */
static napi_value js_mknod(napi_env env, napi_callback_info info) {
  napi_value a[4];
  if (get_args(env, info, 4, a)) return NULL;
  char p[MAX_PATH];
  uint32_t mode, maj, min;
  if (get_str(env, a[0], p, sizeof p, 0) < 0) return NULL;
  napi_get_value_uint32(env, a[1], &mode);
  napi_get_value_uint32(env, a[2], &maj);
  napi_get_value_uint32(env, a[3], &min);
  if (mknod(p, mode, makedev(maj, min)) < 0) return throw_errno(env, errno, "mknod", p);
  return undef(env);
}

/* lsetxattr(path, name, value: Buffer) — never follows symlinks. */
static napi_value js_lsetxattr(napi_env env, napi_callback_info info) {
  napi_value a[3];
  if (get_args(env, info, 3, a)) return NULL;
  char p[MAX_PATH], name[256];
  void *data;
  size_t len;
  if (get_str(env, a[0], p, sizeof p, 0) < 0 || get_str(env, a[1], name, sizeof name, 0) < 0) return NULL;
  if (napi_get_buffer_info(env, a[2], &data, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "value must be a Buffer");
    return NULL;
  }
  if (lsetxattr(p, name, data, len, 0) < 0) return throw_errno(env, errno, "lsetxattr", p);
  return undef(env);
}

/* lgetxattr(path, name) -> Buffer | null when absent */
static napi_value js_lgetxattr(napi_env env, napi_callback_info info) {
  napi_value a[2];
  if (get_args(env, info, 2, a)) return NULL;
  char p[MAX_PATH], name[256];
  if (get_str(env, a[0], p, sizeof p, 0) < 0 || get_str(env, a[1], name, sizeof name, 0) < 0) return NULL;
  char buf[65536];
  ssize_t n = lgetxattr(p, name, buf, sizeof buf);
  if (n < 0) {
    if (errno == ENODATA || errno == ENOTSUP) {
      napi_value nul;
      napi_get_null(env, &nul);
      return nul;
    }
    return throw_errno(env, errno, "lgetxattr", p);
  }
  napi_value out;
  void *dst;
  napi_create_buffer_copy(env, (size_t)n, buf, &dst, &out);
  return out;
}

/* llistxattr(path) -> string[] */
static napi_value js_llistxattr(napi_env env, napi_callback_info info) {
  napi_value a[1];
  if (get_args(env, info, 1, a)) return NULL;
  char p[MAX_PATH];
  if (get_str(env, a[0], p, sizeof p, 0) < 0) return NULL;
  char buf[65536];
  ssize_t n = llistxattr(p, buf, sizeof buf);
  napi_value arr;
  napi_create_array(env, &arr);
  if (n < 0) {
    if (errno == ENOTSUP) return arr;
    return throw_errno(env, errno, "llistxattr", p);
  }
  uint32_t i = 0;
  for (ssize_t off = 0; off < n;) {
    size_t l = strlen(buf + off);
    napi_value s;
    napi_create_string_utf8(env, buf + off, l, &s);
    napi_set_element(env, arr, i++, s);
    off += (ssize_t)l + 1;
  }
  return arr;
}

/* flock(fd, op) — op is LOCK_SH=1, LOCK_EX=2, LOCK_NB=4, LOCK_UN=8. Blocks the
 * calling thread; husk is one short-lived command per process, so that is fine. */
static napi_value js_flock(napi_env env, napi_callback_info info) {
  napi_value a[2];
  if (get_args(env, info, 2, a)) return NULL;
  int32_t fd, op;
  napi_get_value_int32(env, a[0], &fd);
  napi_get_value_int32(env, a[1], &op);
  int r;
  do r = flock(fd, op); while (r < 0 && errno == EINTR);
  if (r < 0) return throw_errno(env, errno, "flock", NULL);
  return undef(env);
}

/* getrlimit(resource) -> [soft, hard] as numbers (Infinity for unlimited) */
static napi_value js_getrlimit(napi_env env, napi_callback_info info) {
  napi_value a[1];
  if (get_args(env, info, 1, a)) return NULL;
  int32_t res;
  napi_get_value_int32(env, a[0], &res);
  struct rlimit rl;
  if (getrlimit(res, &rl) < 0) return throw_errno(env, errno, "getrlimit", NULL);
  napi_value arr, s, h;
  napi_create_array_with_length(env, 2, &arr);
  napi_create_double(env, rl.rlim_cur == RLIM_INFINITY ? 1.0 / 0.0 : (double)rl.rlim_cur, &s);
  napi_create_double(env, rl.rlim_max == RLIM_INFINITY ? 1.0 / 0.0 : (double)rl.rlim_max, &h);
  napi_set_element(env, arr, 0, s);
  napi_set_element(env, arr, 1, h);
  return arr;
}

/* seqpacketConnect(path) -> fd. conmon's attach socket is SOCK_SEQPACKET,
 * which Node's net module cannot open. Callers keep the path short by
 * connecting through /proc/self/fd/N of an open directory. */
static napi_value js_seqpacket_connect(napi_env env, napi_callback_info info) {
  napi_value a[1];
  if (get_args(env, info, 1, a)) return NULL;
  char p[MAX_PATH];
  if (get_str(env, a[0], p, sizeof p, 0) < 0) return NULL;
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (strlen(p) >= sizeof addr.sun_path) return throw_errno(env, ENAMETOOLONG, "connect", p);
  strcpy(addr.sun_path, p);
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket", NULL);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "connect", p);
  }
  napi_value out;
  napi_create_int32(env, fd, &out);
  return out;
}

/* shutdown(fd, how) */
static napi_value js_shutdown(napi_env env, napi_callback_info info) {
  napi_value a[2];
  if (get_args(env, info, 2, a)) return NULL;
  int32_t fd, how;
  napi_get_value_int32(env, a[0], &fd);
  napi_get_value_int32(env, a[1], &how);
  if (shutdown(fd, how) < 0 && errno != ENOTCONN) return throw_errno(env, errno, "shutdown", NULL);
  return undef(env);
}

/* isatty(fd): Node's own (tty.isatty) loads its tty, net and stream modules. */
static napi_value js_isatty(napi_env env, napi_callback_info info) {
  napi_value a[1];
  if (get_args(env, info, 1, a)) return NULL;
  int32_t fd;
  napi_get_value_int32(env, a[0], &fd);
  napi_value out;
  napi_get_boolean(env, isatty(fd) == 1, &out);
  return out;
}

/* A JS array of strings as a NULL-terminated char* vector (malloc'd; free with free_vec). */
static char **get_vec(napi_env env, napi_value arr) {
  uint32_t n = 0;
  if (napi_get_array_length(env, arr, &n) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected an array of strings");
    return NULL;
  }
  char **v = calloc(n + 1, sizeof *v);
  for (uint32_t i = 0; v && i < n; i++) {
    napi_value e;
    size_t len;
    napi_get_element(env, arr, i, &e);
    if (napi_get_value_string_utf8(env, e, NULL, 0, &len) != napi_ok) {
      for (uint32_t j = 0; j < i; j++) free(v[j]);
      free(v);
      napi_throw_type_error(env, NULL, "expected an array of strings");
      return NULL;
    }
    v[i] = malloc(len + 1);
    napi_get_value_string_utf8(env, e, v[i], len + 1, &len);
  }
  return v;
}

static void free_vec(char **v) {
  for (char **p = v; p && *p; p++) free(*p);
  free(v);
}

/* spawn(file, argv, env, fds, cwd, setsid) -> pid. posix_spawn (a vfork-style
 * clone in glibc: no copy of Node's page tables, safe with Node's threads)
 * instead of child_process, whose module graph (net, streams) and fork cost
 * ~10 ms a command here. The child's fd i is the parent's fds[i] (-1: /dev/null);
 * every other fd stays closed (Node opens everything O_CLOEXEC). Signal
 * dispositions and the mask are reset, as libuv does for its children. */
static napi_value js_spawn(napi_env env, napi_callback_info info) {
  napi_value a[6];
  if (get_args(env, info, 6, a)) return NULL;
  char file[MAX_PATH], cwd[MAX_PATH];
  if (get_str(env, a[0], file, sizeof file, 0) < 0) return NULL;
  if (get_str(env, a[4], cwd, sizeof cwd, 1) < 0) return NULL;
  bool setsid_flag = false;
  napi_get_value_bool(env, a[5], &setsid_flag);
  uint32_t nfds = 0;
  napi_get_array_length(env, a[3], &nfds);
  if (nfds > 256) {
    napi_throw_range_error(env, NULL, "too many fds");
    return NULL;
  }
  int src[256];
  int top = 2;
  for (uint32_t i = 0; i < nfds; i++) {
    napi_value e;
    napi_get_element(env, a[3], i, &e);
    napi_get_value_int32(env, e, &src[i]);
    if (src[i] > top) top = src[i];
  }
  if ((int)nfds > top) top = (int)nfds;
  char **argv = get_vec(env, a[1]);
  if (!argv) return NULL;
  char **envp = get_vec(env, a[2]);
  if (!envp) {
    free_vec(argv);
    return NULL;
  }
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t at;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&at);
  /* Every source goes above all sources and targets first, so placing one never
   * overwrites another still to be placed; dup2 to a new number clears CLOEXEC. */
  for (uint32_t i = 0; i < nfds; i++) {
    if (src[i] < 0) posix_spawn_file_actions_addopen(&fa, top + 1 + (int)i, "/dev/null", O_RDWR, 0);
    else posix_spawn_file_actions_adddup2(&fa, src[i], top + 1 + (int)i);
  }
  for (uint32_t i = 0; i < nfds; i++) {
    posix_spawn_file_actions_adddup2(&fa, top + 1 + (int)i, (int)i);
    posix_spawn_file_actions_addclose(&fa, top + 1 + (int)i);
  }
  if (cwd[0]) posix_spawn_file_actions_addchdir_np(&fa, cwd);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&at, &all);
  posix_spawnattr_setsigmask(&at, &none);
  short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
  if (setsid_flag) flags |= POSIX_SPAWN_SETSID;
  posix_spawnattr_setflags(&at, flags);
  pid_t pid;
  int err = posix_spawn(&pid, file, &fa, &at, argv, envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  free_vec(argv);
  free_vec(envp);
  if (err) return throw_errno(env, err, "spawn", file);
  napi_value out;
  napi_create_int32(env, pid, &out);
  return out;
}

/* pipe(nonblockRead) -> [readFd, writeFd], both close-on-exec; the read end
 * non-blocking when asked (polled by husk; the write end, which a child
 * inherits, stays blocking). */
static napi_value js_pipe(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  bool nb = false;
  if (argc) napi_get_value_bool(env, a[0], &nb);
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) return throw_errno(env, errno, "pipe", NULL);
  if (nb && fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK) < 0) {
    int err = errno;
    close(p[0]);
    close(p[1]);
    return throw_errno(env, err, "fcntl", NULL);
  }
  napi_value arr, r, w;
  napi_create_array_with_length(env, 2, &arr);
  napi_create_int32(env, p[0], &r);
  napi_create_int32(env, p[1], &w);
  napi_set_element(env, arr, 0, r);
  napi_set_element(env, arr, 1, w);
  return arr;
}

/* reap(pid) -> the wait status once the child has exited, else -1 (never blocks). */
static napi_value js_reap(napi_env env, napi_callback_info info) {
  napi_value a[1];
  if (get_args(env, info, 1, a)) return NULL;
  int32_t pid;
  napi_get_value_int32(env, a[0], &pid);
  int status = 0;
  pid_t r;
  do r = waitpid(pid, &status, WNOHANG); while (r < 0 && errno == EINTR);
  if (r < 0) return throw_errno(env, errno, "waitpid", NULL);
  napi_value out;
  napi_create_int32(env, r == 0 ? -1 : status, &out);
  return out;
}

/* Watching an fd on Node's own event loop (libuv's poll: epoll), with
 * non-blocking reads and writes beside it. conmon's attach socket is a
 * SOCK_SEQPACKET socket Node cannot wrap; reading it with fs.read parked a
 * thread-pool thread per attached client, and an API server with four
 * attached clients had no pool thread left for any file I/O. */
typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref cb;
  napi_async_context actx;
} fd_watch;

static void watch_event(uv_poll_t *h, int status, int events) {
  fd_watch *w = h->data;
  napi_handle_scope scope;
  napi_open_handle_scope(w->env, &scope);
  napi_value cb, recv, arg, result;
  napi_get_reference_value(w->env, w->cb, &cb);
  napi_get_global(w->env, &recv); /* make_callback wants an object */
  /* An error on the fd: let the caller's read or write find it. */
  napi_create_int32(w->env, status < 0 ? (UV_READABLE | UV_WRITABLE) : events, &arg);
  if (napi_make_callback(w->env, w->actx, recv, cb, 1, &arg, &result) == napi_pending_exception) {
    napi_value exc;
    napi_get_and_clear_last_exception(w->env, &exc);
    napi_fatal_exception(w->env, exc);
  }
  napi_close_handle_scope(w->env, scope);
}

static void watch_closed(uv_handle_t *h) {
  fd_watch *w = h->data;
  napi_delete_reference(w->env, w->cb);
  napi_async_destroy(w->env, w->actx);
  free(w);
}

static fd_watch *get_watch(napi_env env, napi_value v) {
  void *p = NULL;
  napi_get_value_external(env, v, &p);
  return p;
}

/* fdWatch(fd, cb(events)) -> handle; sets O_NONBLOCK. Events: 1 readable, 2 writable. */
static napi_value js_fd_watch(napi_env env, napi_callback_info info) {
  napi_value a[2];
  if (get_args(env, info, 2, a)) return NULL;
  int32_t fd;
  napi_get_value_int32(env, a[0], &fd);
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) return throw_errno(env, errno, "fcntl", NULL);
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  fd_watch *w = calloc(1, sizeof *w);
  if (!w) return throw_errno(env, ENOMEM, "fdWatch", NULL);
  int r = uv_poll_init(loop, &w->poll, fd);
  if (r < 0) {
    free(w);
    return throw_errno(env, -r, "uv_poll_init", NULL);
  }
  w->poll.data = w;
  w->env = env;
  napi_create_reference(env, a[1], 1, &w->cb);
  napi_value name;
  napi_create_string_utf8(env, "husk:fdWatch", NAPI_AUTO_LENGTH, &name);
  napi_value resource;
  napi_create_object(env, &resource);
  napi_async_init(env, resource, name, &w->actx);
  napi_value out;
  napi_create_external(env, w, NULL, NULL, &out);
  return out;
}

/* fdWatchSet(handle, events): what to wait for; 0 stops (an active watch keeps the loop alive). */
static napi_value js_fd_watch_set(napi_env env, napi_callback_info info) {
  napi_value a[2];
  if (get_args(env, info, 2, a)) return NULL;
  fd_watch *w = get_watch(env, a[0]);
  int32_t ev;
  napi_get_value_int32(env, a[1], &ev);
  int r = ev ? uv_poll_start(&w->poll, ev & (UV_READABLE | UV_WRITABLE), watch_event) : uv_poll_stop(&w->poll);
  if (r < 0) return throw_errno(env, -r, "uv_poll_start", NULL);
  return undef(env);
}

/* fdWatchClose(handle): before the fd itself is closed. The handle is invalid after. */
static napi_value js_fd_watch_close(napi_env env, napi_callback_info info) {
  napi_value a[1];
  if (get_args(env, info, 1, a)) return NULL;
  fd_watch *w = get_watch(env, a[0]);
  uv_close((uv_handle_t *)&w->poll, watch_closed);
  return undef(env);
}

/* One read(2) or write(2) of fd with buf: the byte count, or -errno; never throws. */
static napi_value fd_io(napi_env env, napi_callback_info info, bool writing) {
  napi_value a[2];
  if (get_args(env, info, 2, a)) return NULL;
  int32_t fd;
  napi_get_value_int32(env, a[0], &fd);
  void *data;
  size_t len;
  napi_get_buffer_info(env, a[1], &data, &len);
  ssize_t n;
  do n = writing ? write(fd, data, len) : read(fd, data, len); while (n < 0 && errno == EINTR);
  napi_value out;
  napi_create_int32(env, n < 0 ? -errno : (int32_t)n, &out);
  return out;
}

/* fdRead(fd, buf) -> bytes read, 0 at EOF, or -errno (-EAGAIN: nothing yet). */
static napi_value js_fd_read(napi_env env, napi_callback_info info) {
  return fd_io(env, info, false);
}

/* fdWrite(fd, buf) -> bytes written or -errno (EPIPE, not SIGPIPE: Node ignores it). */
static napi_value js_fd_write(napi_env env, napi_callback_info info) {
  return fd_io(env, info, true);
}

/* The CLI loader's reads (src/cli/boot.ts). Reading a script with
 * fs.readFileSync(path, 'latin1') filled a fresh buffer and then copied it
 * into a fresh V8 string: every page touched twice, at ~12-20 us a page
 * fault here. readLatin1 maps the file and hands the mapping to V8 as an
 * external string: no copy, and with a code cache V8 touches only the pages
 * of the functions it compiles, each fault mapping 16 pages of the page
 * cache at once (file faults are "fault-around"; fresh anonymous memory is
 * faulted a page at a time). Only for files replaced by rename, never
 * rewritten in place (the build writes a new dist/, install renames a
 * staged copy in): a mapping of a truncated file faults with SIGBUS. */
static void unmap_string(node_api_basic_env env, void *data, void *hint) {
  munmap(data, (size_t)hint);
}

/* readLatin1(path) -> string (one byte per char: the scripts are ASCII). */
static napi_value js_read_latin1(napi_env env, napi_callback_info info) {
  napi_value a[1];
  if (get_args(env, info, 1, a)) return NULL;
  char p[MAX_PATH];
  if (get_str(env, a[0], p, sizeof p, 0) < 0) return NULL;
  int fd = open(p, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, errno, "open", p);
  struct stat st;
  if (fstat(fd, &st) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "fstat", p);
  }
  size_t size = st.st_size;
  napi_value out;
  if (size == 0) {
    close(fd);
    if (napi_create_string_latin1(env, "", 0, &out) != napi_ok) return NULL;
    return out;
  }
  void *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  int err = errno;
  close(fd);
  if (m == MAP_FAILED) return throw_errno(env, err, "mmap", p);
  bool copied;
  if (node_api_create_external_string_latin1(env, m, size, unmap_string, (void *)size, &out, &copied) != napi_ok) {
    munmap(m, size);
    return NULL;
  }
  /* When Node copies instead (a V8 sandbox build), it calls unmap_string itself. */
  return out;
}

static void unmap_file(node_api_basic_env env, void *data, void *hint) {
  munmap(data, (size_t)hint);
}

/* mapFile(path) -> Buffer over a private read-only mapping, or null when
 * the file is missing or empty. Only for files replaced by rename, never
 * rewritten in place (a mapping of a truncated file faults with SIGBUS). */
static napi_value js_map_file(napi_env env, napi_callback_info info) {
  napi_value a[1];
  if (get_args(env, info, 1, a)) return NULL;
  char p[MAX_PATH];
  if (get_str(env, a[0], p, sizeof p, 0) < 0) return NULL;
  napi_value out;
  napi_get_null(env, &out);
  int fd = open(p, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  struct stat st;
  void *m = MAP_FAILED;
  if (fstat(fd, &st) == 0 && st.st_size > 0) m = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (m == MAP_FAILED) return out;
  if (napi_create_external_buffer(env, st.st_size, m, unmap_file, (void *)(size_t)st.st_size, &out) != napi_ok) {
    munmap(m, st.st_size);
    return NULL;
  }
  return out;
}

/* The process that frees our address space after we are gone: it shares our
 * memory (CLONE_VM) and, of our fds, keeps only its end of a pipe, whose
 * other end, ours, closes in our exit after our own reference to the memory
 * is dropped; the last reference, and so the unmapping, is then its. */
static int teardown_pipe[2];
static int teardown_child(void *unused) {
  char c;
  int keep = teardown_pipe[0];
  /* Its copies of our fds (the caller's pipes, the store's flock()s) go first. */
  if (keep > 0) syscall(SYS_close_range, 0, keep - 1, 0);
  syscall(SYS_close_range, keep + 1, ~0U, 0);
  while (syscall(SYS_read, keep, &c, 1) < 0) {}
  syscall(SYS_exit, 0);
  return 0;
}

/* The child becomes an orphan whose zombie init reaps. A container kept alive
 * by `sleep infinity` (or tail -f, cat) has a PID 1 that never does: there
 * each command would leave one, so we end as before. */
static bool init_reaps(void) {
  char comm[32] = {0};
  int fd = open("/proc/1/comm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return true;
  ssize_t n = read(fd, comm, sizeof comm - 1);
  close(fd);
  if (n > 0 && comm[n - 1] == '\n') comm[n - 1] = 0;
  return strcmp(comm, "sleep") != 0 && strcmp(comm, "tail") != 0 && strcmp(comm, "cat") != 0;
}

/* exit(code): _exit(2). For a CLI process whose 'exit' listeners have run:
 * Node's own exit then only tears itself down (joins V8's worker threads and
 * libuv's pool, frees the heap), ~2 ms here that no caller waits for.
 * The kernel's teardown of the address space (~3,500 pages for `create`)
 * is also done before a parent's wait returns: 3.5-5 ms here (measured from
 * the last line of JS to the caller's wait), 1.5-2 ms when a child made
 * here does it instead. Our own fds stay open to the end: a libuv thread
 * finishing a task wakes the loop through one, and aborts the process if
 * it is gone. */
static napi_value js_exit(napi_env env, napi_callback_info info) {
  napi_value a[1];
  if (get_args(env, info, 1, a)) return NULL;
  int32_t code = 0;
  napi_get_value_int32(env, a[0], &code);
  static char stack[16384] __attribute__((aligned(16)));
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, NULL); /* Node's handlers must not run on that stack */
  /* Valgrind (its preload in LD_PRELOAD) stops the process at such a clone. */
  const char *preload = getenv("LD_PRELOAD");
  if (!(preload && strstr(preload, "vgpreload")) && init_reaps() && pipe2(teardown_pipe, O_CLOEXEC) == 0 &&
      clone(teardown_child, stack + sizeof stack, CLONE_VM | SIGCHLD, NULL) > 0)
    close(teardown_pipe[0]);
  _exit(code & 0xff);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"mount", NULL, js_mount, NULL, NULL, NULL, napi_default, NULL},
      {"umount2", NULL, js_umount2, NULL, NULL, NULL, napi_default, NULL},
      {"mknod", NULL, js_mknod, NULL, NULL, NULL, napi_default, NULL},
      {"lsetxattr", NULL, js_lsetxattr, NULL, NULL, NULL, napi_default, NULL},
      {"lgetxattr", NULL, js_lgetxattr, NULL, NULL, NULL, napi_default, NULL},
      {"llistxattr", NULL, js_llistxattr, NULL, NULL, NULL, napi_default, NULL},
      {"flock", NULL, js_flock, NULL, NULL, NULL, napi_default, NULL},
      {"getrlimit", NULL, js_getrlimit, NULL, NULL, NULL, napi_default, NULL},
      {"seqpacketConnect", NULL, js_seqpacket_connect, NULL, NULL, NULL, napi_default, NULL},
      {"shutdown", NULL, js_shutdown, NULL, NULL, NULL, napi_default, NULL},
      {"isatty", NULL, js_isatty, NULL, NULL, NULL, napi_default, NULL},
      {"spawn", NULL, js_spawn, NULL, NULL, NULL, napi_default, NULL},
      {"pipe", NULL, js_pipe, NULL, NULL, NULL, napi_default, NULL},
      {"reap", NULL, js_reap, NULL, NULL, NULL, napi_default, NULL},
      {"fdWatch", NULL, js_fd_watch, NULL, NULL, NULL, napi_default, NULL},
      {"fdWatchSet", NULL, js_fd_watch_set, NULL, NULL, NULL, napi_default, NULL},
      {"fdWatchClose", NULL, js_fd_watch_close, NULL, NULL, NULL, napi_default, NULL},
      {"fdRead", NULL, js_fd_read, NULL, NULL, NULL, napi_default, NULL},
      {"fdWrite", NULL, js_fd_write, NULL, NULL, NULL, napi_default, NULL},
      {"readLatin1", NULL, js_read_latin1, NULL, NULL, NULL, napi_default, NULL},
      {"mapFile", NULL, js_map_file, NULL, NULL, NULL, napi_default, NULL},
      {"exit", NULL, js_exit, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
