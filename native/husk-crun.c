/*
 * husk-crun: runs an OCI runtime (crun) in a mount namespace that shows it
 * plain cgroup v1.
 *
 *   husk-crun RUNTIME [ARGS...]
 *
 * On hybrid cgroup hosts whose cgroup2 hierarchy (/sys/fs/cgroup/unified)
 * holds a controller (hugetlb here), crun 1.8 refuses every container
 * ("cgroups in hybrid mode not supported"). Without that mount it sees a
 * cgroup v1 host and works. So: unshare a mount namespace, make it a slave
 * of the host's (host mounts made later still propagate in, ours never
 * leak out), detach /sys/fs/cgroup/unified, exec RUNTIME ARGS. Where the
 * mount cannot be detached (locked in a rootless user namespace), an empty
 * read-only tmpfs over it does the same for crun's statfs check. The
 * container's own mount namespace is made by crun from this one; processes
 * that join a container (exec) use the container's namespaces.
 * conmon and husk call this in place of crun with crun's path first.
 * Errors are one line on stderr and exit code 125, like husk's own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <unistd.h>

#define UNIFIED "/sys/fs/cgroup/unified"

int main(int argc, char **argv) {
  if (argc < 2 || argv[1][0] != '/') {
    fputs("usage: husk-crun /path/to/runtime [ARGS...]\n", stderr);
    return 125;
  }
  if (unshare(CLONE_NEWNS) != 0) {
    fprintf(stderr, "Error: husk-crun: unshare mount namespace: %s\n", strerror(errno));
    return 125;
  }
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0) {
    fprintf(stderr, "Error: husk-crun: make mounts slave: %s\n", strerror(errno));
    return 125;
  }
  /* EINVAL: not a mount point, or a mount locked by a user namespace. */
  struct statfs st;
  if (umount2(UNIFIED, MNT_DETACH) != 0 && statfs(UNIFIED, &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC) {
    if (mount("none", UNIFIED, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) {
      fprintf(stderr, "Error: husk-crun: hide " UNIFIED ": %s\n", strerror(errno));
      return 125;
    }
  }
  execv(argv[1], argv + 1);
  fprintf(stderr, "Error: husk-crun: exec %s: %s\n", argv[1], strerror(errno));
  return 125;
}
