// husk's Kubernetes YAML: generate it from pods, containers and volumes;
// play it (Pod, Deployment, DaemonSet, Job, Service, ConfigMap, Secret,
// PersistentVolumeClaim) on the engine API; take down what a file played.
export { generate, podObject, serviceObject, deploymentObject, daemonSetObject, jobObject, claimObject, type GenerateOptions, type GenerateReport, type PodSource } from './generate.ts';
export { play, down, planFile, type PlayOptions, type PlayReport, type DownOptions, type DownReport } from './play.ts';
export { translate, deploymentPodNames, LABEL_EMPTYDIR_POD, type Plan, type PlannedPod, type PlannedVolume } from './translate.ts';
export { parseDocuments, emitDocuments, validateObject, fieldPath, documentLabel, SUPPORTED_KINDS, type KubeDocument, type KubeObject } from './schema.ts';
export { k8sName, formatCpu, formatMemory, parseQuantity } from './units.ts';
