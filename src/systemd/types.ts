// Inputs of `generate systemd`: plain data about a container or a pod, as
// the engine will hand them over once its API settles. Nothing here reads
// engine state, so the unit text is a pure function of these objects.

/** A container as `generate systemd` needs it. */
export interface ContainerUnitInput {
  id: string;
  name: string;
  /**
   * The argv the container was created with (Podman's CreateCommand), e.g.
   * ['husk', 'run', '-d', '--name', 'web', 'busybox', 'httpd']. Required
   * for `new`; containers made through the REST API have none.
   */
  createCommand?: string[];
  /** Seconds `stop` waits before SIGKILL (the container's StopTimeout). */
  stopTimeout: number;
  /** conmon's PID file: the PIDFile= of units without `new`. */
  conmonPidFile: string;
  /** The engine's run root: RequiresMountsFor= of units without `new`. */
  runRoot: string;
  /** The container's process environment (KEY=VALUE), for `-e KEY` without a value. */
  env?: string[];
  /** The container's restart policy; units without `new` warn about one. */
  restartPolicy?: string;
  /** Containers (by ID) in the same pod that this one depends on (--requires). */
  dependsOn?: string[];
}

/** A pod with its infra container and members. */
export interface PodUnitInput {
  id: string;
  name: string;
  /** The argv of `pod create`, required for `new`. */
  createCommand?: string[];
  /** Podman refuses pods without an infra container: it is the pod unit's main process. */
  infra: ContainerUnitInput;
  /** Every container of the pod except the infra container. */
  containers: ContainerUnitInput[];
}

export interface GenerateOptions {
  /** Path of the husk binary written into Exec lines, e.g. /usr/local/bin/husk. */
  executable: string;
  /** husk's version for the header comment. */
  version: string;
  /** --name: use names instead of IDs in unit names and commands. */
  useName?: boolean;
  /** --new: units create and remove the container instead of starting an existing one. */
  new?: boolean;
  /** --restart-policy (default on-failure, or the container's own policy with `new`). */
  restartPolicy?: string;
  /** --restart-sec */
  restartSec?: number;
  /** --start-timeout: TimeoutStartSec= of container units. */
  startTimeout?: number;
  /** --stop-timeout / --time: overrides the container's stop timeout. */
  stopTimeout?: number;
  /** --container-prefix (default "container"). */
  containerPrefix?: string;
  /** --pod-prefix (default "pod"). */
  podPrefix?: string;
  /** --separator (default "-"). */
  separator?: string;
  /** --wants/--after/--requires: user-defined dependencies of container units. */
  wants?: string[];
  after?: string[];
  requires?: string[];
  /** --env/-e: extra Environment= lines. */
  env?: string[];
  /** --no-header: drop the version and date comment lines. */
  noHeader?: boolean;
  /** --template: an instantiable unit (name@.service, %i in the container name). Implies `new`. */
  template?: boolean;
  /** The time written into the header (default: now). */
  now?: Date;
  /** Receives warnings Podman logs (e.g. a container restart policy without `new`). */
  warn?: (msg: string) => void;
}

/** One generated unit: its name without ".service", its file name and its text. */
export interface GeneratedUnit {
  serviceName: string;
  fileName: string;
  text: string;
}
