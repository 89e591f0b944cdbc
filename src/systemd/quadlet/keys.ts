// The keys each Quadlet group accepts (podman-systemd.unit(5)). A key not
// listed is an error naming file and line: a misspelt key silently ignored
// would run a different container than the one the file describes.

const k = (s: string) => new Set(s.split(/\s+/).filter(Boolean));

const COMMON = 'ContainersConfModule GlobalArgs PodmanArgs ServiceName';
const HEALTH = 'HealthCmd HealthInterval HealthOnFailure HealthLogDestination HealthMaxLogCount HealthMaxLogSize ' +
  'HealthRetries HealthStartPeriod HealthTimeout HealthStartupCmd HealthStartupInterval HealthStartupRetries ' +
  'HealthStartupSuccess HealthStartupTimeout';
const USERNS = 'UserNS UIDMap GIDMap SubUIDMap SubGIDMap RemapUid RemapGid RemapUidSize RemapUsers';

export const SUPPORTED_KEYS: Record<string, Set<string>> = {
  Container: k(`${COMMON} ${HEALTH} ${USERNS}
    AddCapability AddDevice AddHost Annotation AutoUpdate CgroupsMode ContainerName DNS DNSOption DNSSearch
    DropCapability Entrypoint Environment EnvironmentFile EnvironmentHost Exec ExposeHostPort Group GroupAdd
    HostName IP IP6 Image Label LogDriver LogOpt Mask Memory Mount Network NetworkAlias NoNewPrivileges Notify
    PidsLimit Pod PublishPort Pull ReadOnly ReadOnlyTmpfs ReloadCmd ReloadSignal Retry RetryDelay Rootfs RunInit
    SeccompProfile Secret SecurityLabelDisable SecurityLabelFileType SecurityLabelLevel SecurityLabelNested
    SecurityLabelType ShmSize StartWithPod StopSignal StopTimeout Sysctl Timezone Tmpfs Ulimit Unmask User
    VolatileTmp Volume WorkingDir`),
  Pod: k(`${COMMON} ${USERNS} AddHost DNS DNSOption DNSSearch ExitPolicy HostName IP IP6 Label Network NetworkAlias
    PodName PublishPort ShmSize Volume`),
  Volume: k(`${COMMON} Copy Device Driver Group Image Label Options Type User VolumeName`),
  Network: k(`${COMMON} DNS DisableDNS Driver Gateway IPAMDriver IPRange IPv6 InterfaceName Internal Label
    NetworkDeleteOnStop NetworkName Options Subnet`),
  Kube: k(`${COMMON} ${USERNS} AutoUpdate ConfigMap ExitCodePropagation KubeDownForce LogDriver LogOpt Network
    PublishPort SetWorkingDirectory Yaml`),
  Image: k(`${COMMON} AllTags Arch AuthFile CertDir Creds DecryptionKey Image ImageTag OS Retry RetryDelay TLSVerify Variant`),
  Build: k(`${COMMON} Annotation Arch AuthFile DNS DNSOption DNSSearch Environment File ForceRM GroupAdd ImageTag Label
    Network Pull Retry RetryDelay Secret SetWorkingDirectory Target TLSVerify Variant Volume`),
};

/** Keys of the [Quadlet] group, shared by every file type. */
export const QUADLET_KEYS = k('DefaultDependencies');

/** The Quadlet group of each file extension, and the order files are converted in (dependencies first). */
export const EXTENSIONS: Record<string, { group: string; order: number; suffix: string }> = {
  '.image': { group: 'Image', order: 1, suffix: '-image' },
  '.volume': { group: 'Volume', order: 2, suffix: '-volume' },
  '.network': { group: 'Network', order: 2, suffix: '-network' },
  '.build': { group: 'Build', order: 3, suffix: '-build' },
  '.container': { group: 'Container', order: 4, suffix: '' },
  '.kube': { group: 'Kube', order: 4, suffix: '' },
  '.pod': { group: 'Pod', order: 5, suffix: '-pod' },
};

/** systemd [Unit] keys whose values may name other Quadlet files (web.container → web.service). */
export const UNIT_DEPENDENCY_KEYS = [
  'After', 'Before', 'BindsTo', 'Conflicts', 'OnFailure', 'OnSuccess', 'PartOf', 'PropagatesReloadTo',
  'PropagatesStopTo', 'ReloadPropagatedFrom', 'Requires', 'Requisite', 'StopPropagatedFrom', 'Upholds', 'Wants',
];
