/**
 * k8s.* fields, as libsinsp has them without an API server: read from the
 * labels the container runtime gives a pod's containers (`io.kubernetes.*`,
 * set by the kubelet), and, for the pod's own labels, from those of its
 * sandbox container. The fields libsinsp kept from its removed Kubernetes
 * client (replication controllers, services, namespaces' ids and labels,
 * replica sets, deployments) are accepted and have no value, so that rules
 * naming them still load. Falco's k8smeta plugin may replace them all.
 */
import type { ContainerInfo } from '../state/containers.js';
import type { EventContext } from '../state/context.js';
import type { FieldSpec } from './registry.js';
import { containerOf } from './container.js';

const POD_NAME = 'io.kubernetes.pod.name';
const POD_NAMESPACE = 'io.kubernetes.pod.namespace';
const POD_UID = 'io.kubernetes.pod.uid';
/** The pod's sandbox container: CRI lookups set it from the status's info. */
const SANDBOX_ID = 'io.kubernetes.sandbox.id';

function labelsOf(info: ContainerInfo | undefined): Record<string, string> | undefined {
  const l = info?.labels;
  return l && typeof l === 'object' && Object.keys(l).length > 0 ? (l as Record<string, string>) : undefined;
}

/** The labels of the event's container; undefined outside a container, or without labels (no k8s metadata then). */
function podLabels(c: EventContext | undefined): Record<string, string> | undefined {
  return labelsOf(containerOf(c));
}

/** A label of the event's container, no value when absent. */
function label(key: string) {
  return (_e: unknown, c: EventContext | undefined): string | null => podLabels(c)?.[key] ?? null;
}

/** The labels of the pod: its sandbox container's (as the runtime reported it, by its 12-character id). */
function sandboxLabels(c: EventContext | undefined): Record<string, string> | undefined {
  const sandbox = podLabels(c)?.[SANDBOX_ID];
  if (sandbox === undefined || !c) return undefined;
  return labelsOf(c.inspector.containers.get(sandbox.slice(0, 12)));
}

/** libsinsp's concatenation: `key:value` (or `key`) in key order, joined by ", ", without annotations and kubelet labels. */
function joinLabels(labels: Record<string, string>): string {
  return Object.keys(labels)
    .filter((k) => !k.startsWith('annotation.') && !k.startsWith('io.kubernetes.'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((k) => (labels[k] ? `${k}:${labels[k]}` : k))
    .join(', ');
}

/** Whether the container is in a pod (libsinsp's test: it has the pod uid label). */
const inPod = (c: EventContext | undefined): ContainerInfo | undefined => (podLabels(c)?.[POD_UID] !== undefined ? containerOf(c) : undefined);

/** A label name after `k8s.pod.label.`: letters, digits and `/ _ - .`, as libsinsp reads it. */
const labelArgLength = (text: string): number => /^[A-Za-z0-9/_.-]*/.exec(text)![0].length;

const DEPRECATED = 'deprecated: Kubernetes API server metadata, which scap-ts does not fetch; no value';

/** The fields of libsinsp's removed Kubernetes client: accepted, never a value. */
function deprecated(kind: string, what: string): FieldSpec[] {
  const none = () => null;
  return [
    ...(kind === 'ns' ? [] : [{ name: `k8s.${kind}.name`, type: 'string', desc: `${what} name (${DEPRECATED})`, extract: none } satisfies FieldSpec]),
    { name: `k8s.${kind}.id`, type: 'string', desc: `${what} id (${DEPRECATED})`, extract: none },
    { name: `k8s.${kind}.label`, type: 'string', arg: 'required', dotted: true, desc: `${what} label (${DEPRECATED})`, extract: none },
    { name: `k8s.${kind}.labels`, type: 'string', desc: `${what} comma-separated key/value labels (${DEPRECATED})`, extract: none },
  ];
}

export const K8S_FIELDS: FieldSpec[] = [
  { name: 'k8s.ns.name', type: 'string', desc: "the Kubernetes namespace name, from the container runtime's labels", extract: label(POD_NAMESPACE) },
  { name: 'k8s.pod.name', type: 'string', desc: "the Kubernetes pod name, from the container runtime's labels", extract: label(POD_NAME) },
  { name: 'k8s.pod.id', type: 'string', desc: '[LEGACY] the Kubernetes pod UID: use k8s.pod.uid', extract: label(POD_UID) },
  { name: 'k8s.pod.uid', type: 'string', desc: 'the Kubernetes pod UID, e.g. 3e41dc6b-08a8-44db-bc2a-3724b18ab19a', extract: label(POD_UID) },
  {
    name: 'k8s.pod.sandbox_id', type: 'string', desc: "the pod's sandbox id, truncated to 12 characters (the sandbox's container id)",
    extract: (_e, c) => podLabels(c)?.[SANDBOX_ID]?.slice(0, 12) ?? null,
  },
  { name: 'k8s.pod.full_sandbox_id', type: 'string', desc: "the pod's full sandbox id", extract: label(SANDBOX_ID) },
  {
    name: 'k8s.pod.label', type: 'string', arg: 'required', dotted: true, argParser: labelArgLength,
    desc: "a pod label: k8s.pod.label[app.kubernetes.io/name] or k8s.pod.label.app (from the pod sandbox's labels)",
    extract: (_e, c, arg) => (arg === undefined ? null : (sandboxLabels(c)?.[arg] ?? null)),
  },
  {
    name: 'k8s.pod.labels', type: 'string', desc: "the pod's comma-separated key:value labels (from the pod sandbox's labels)",
    extract: (_e, c) => {
      const l = sandboxLabels(c);
      return l ? joinLabels(l) : null;
    },
  },
  {
    name: 'k8s.pod.ip', type: 'string', desc: "the pod's IPv4 address (its containers share the sandbox's network)",
    extract: (_e, c) => {
      const ip = inPod(c)?.ip;
      return typeof ip === 'string' ? ip : null;
    },
  },
  {
    name: 'k8s.pod.cni.json', type: 'string', desc: "the pod's CNI result, as the runtime reports it",
    extract: (_e, c) => {
      const info = inPod(c);
      if (!info) return null;
      return typeof info.cniresult === 'string' ? info.cniresult : '';
    },
  },
  ...deprecated('rc', 'Kubernetes replication controller'),
  ...deprecated('svc', 'Kubernetes service'),
  ...deprecated('ns', 'Kubernetes namespace'),
  ...deprecated('rs', 'Kubernetes replica set'),
  ...deprecated('deployment', 'Kubernetes deployment'),
];
