/*
 * husk-preload.so: bin/husk puts it in LD_PRELOAD for the Node it execs.
 *
 * Node 24's V8 locks abseil mutexes with abseil's deadlock detection on
 * (its default in that build), and Node turns the detection off with
 * absl::SetMutexDeadlockDetectionMode(kIgnore) early in its start-up, but
 * only after the first lock: that lock builds abseil's lock graph, ~3 ms of
 * every start here (memset and ~180 page faults; `node -e 0` 74.7 -> 71.5
 * ms, 25 alternating runs). This constructor makes the same call before
 * Node's main runs, so the first lock finds the detection already off.
 *
 * The symbol is looked up at run time: in a process that does not have it
 * (husk-ns, the rootless step between bin/husk and Node; another Node) it
 * does nothing and LD_PRELOAD stays for the next exec. Where it did its
 * work it removes LD_PRELOAD, so nothing Node starts (conmon, the OCI
 * runtime, a container) inherits it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>

__attribute__((constructor)) static void deadlock_detection_off(void) {
  /* absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle); kIgnore is 0 */
  void (*set_mode)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "_ZN4absl29SetMutexDeadlockDetectionModeENS_15OnDeadlockCycleE");
  if (!set_mode) return;
  set_mode(0);
  unsetenv("LD_PRELOAD");
}
