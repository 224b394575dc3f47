/**
 * k8s.* fields from the container runtime's labels, as libsinsp extracts them
 * (its container-manager tests give the expected values' shapes): a pod's
 * container announced by a container event, its sandbox announced by another,
 * and a thread of each container.
 */
import { describe, expect, it } from 'vitest';
import { EventBatch, PPME, encodeEvent } from '../../lib/events/index.js';
import { fields } from '../../lib/fields/index.js';
import { EventFormatter } from '../../lib/format/index.js';
import { EventPipeline } from '../../lib/pipeline.js';
import { containerJsonEvent, type ContainerInfo } from '../../lib/state/containers.js';
import { threadIn } from '../helpers/runtime-lookups.js';

const FULL_ID = '9b1e4c2d7a3f5e6b8c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b';
const SANDBOX = '63060edc2d3aa803ab559f2393776b151f99fc5b05035b21db66b3b62246ad6a';
const UID = '3e41dc6b-08a8-44db-bc2a-3724b18ab19a';

function container(id: string, labels: Record<string, string>, extra: Partial<ContainerInfo> = {}): ContainerInfo {
  return { id, type: 7, name: 'web', image: 'nginx:1.25', labels, ip: '10.244.0.2', ...extra };
}

const POD_CONTAINER = container(FULL_ID.slice(0, 12), {
  'io.kubernetes.container.name': 'web',
  'io.kubernetes.pod.name': 'nginx-sandbox',
  'io.kubernetes.pod.namespace': 'default',
  'io.kubernetes.pod.uid': UID,
  'io.kubernetes.sandbox.id': SANDBOX,
}, { cniresult: '{"eth0":{"IPConfigs":[{"IP":"10.244.0.2"}]}}' });

const SANDBOX_CONTAINER = container(SANDBOX.slice(0, 12), {
  'example-label/custom_one': 'mylabel',
  app: 'myapp',
  bare: '',
  'annotation.kubernetes.io/config.seen': '2024-01-01',
  'io.kubernetes.pod.uid': UID,
});

const PLAIN_CONTAINER = container('0123456789ab', {}, { ip: '172.17.0.2' });

let ts = 1_700_000_000_000_000_000n;
const getuid = (tid: number) => encodeEvent({ type: PPME.SYSCALL_GETUID_E, ts: (ts += 1000n), tid, params: {} });

/** A pipeline whose threads 100, 200, 300 and 400 are in the pod's container, in an unlabeled container, on the host, and in an unknown container. */
function pipeline(announce: ContainerInfo[]) {
  const p = new EventPipeline({
    processes: [
      threadIn(100, [`cpu=/kubepods.slice/kubepods-pod3e41.slice/cri-containerd-${FULL_ID}.scope`]),
      threadIn(200, [`cpu=/docker/${'0123456789ab'.padEnd(64, 'c')}`]),
      threadIn(300, ['cpu=/user.slice']),
      threadIn(400, [`cpu=/kubepods.slice/cri-containerd-${'d'.repeat(64)}.scope`]),
    ],
  });
  p.batch(EventBatch.fromEvents(announce.map((c) => containerJsonEvent(c, (ts += 1000n)))));
  return (tid: number) => p.batch(EventBatch.fromEvents([getuid(tid)])).at(0);
}

/** The threads, of 100 (the pod) and 300 (the host), whose events pass `filter`. */
function passing(filter: string): number[] {
  const p = new EventPipeline({ processes: [threadIn(100, [`cpu=/kubepods.slice/cri-containerd-${FULL_ID}.scope`]), threadIn(300, ['cpu=/user.slice'])] }, { filter });
  p.batch(EventBatch.fromEvents([POD_CONTAINER, SANDBOX_CONTAINER].map((c) => containerJsonEvent(c, (ts += 1000n)))));
  const out = p.batch(EventBatch.fromEvents([getuid(100), getuid(300)]));
  return Array.from({ length: out.length }, (_, i) => out.tid(i));
}

describe('k8s.* fields', () => {
  it('come from the pod container labels and the sandbox container labels, as libsinsp reads them', () => {
    const evt = pipeline([POD_CONTAINER, SANDBOX_CONTAINER])(100);
    expect(evt.field('container.id')).toBe(FULL_ID.slice(0, 12));
    expect({
      ns: evt.field('k8s.ns.name'),
      pod: evt.field('k8s.pod.name'),
      id: evt.field('k8s.pod.id'),
      uid: evt.field('k8s.pod.uid'),
      sandbox: evt.field('k8s.pod.sandbox_id'),
      fullSandbox: evt.field('k8s.pod.full_sandbox_id'),
      labelBracket: evt.field('k8s.pod.label[example-label/custom_one]'),
      labelDotted: evt.field('k8s.pod.label.app'),
      missingLabel: evt.field('k8s.pod.label[nope]'),
      labels: evt.field('k8s.pod.labels'),
      ip: evt.field('k8s.pod.ip'),
      cni: evt.field('k8s.pod.cni.json'),
    }).toEqual({
      ns: 'default',
      pod: 'nginx-sandbox',
      id: UID,
      uid: UID,
      sandbox: '63060edc2d3a',
      fullSandbox: SANDBOX,
      labelBracket: 'mylabel',
      labelDotted: 'myapp',
      missingLabel: null,
      // Key order, "key" for an empty value, annotations and kubelet labels left out.
      labels: 'app:myapp, bare, example-label/custom_one:mylabel',
      ip: '10.244.0.2',
      cni: '{"eth0":{"IPConfigs":[{"IP":"10.244.0.2"}]}}',
    });
  });

  it('have no value on the host, in a container without labels or not yet known, and pod labels none without the sandbox', () => {
    const at = pipeline([POD_CONTAINER, PLAIN_CONTAINER]);
    const names = ['k8s.ns.name', 'k8s.pod.name', 'k8s.pod.uid', 'k8s.pod.sandbox_id', 'k8s.pod.labels', 'k8s.pod.ip', 'k8s.pod.cni.json'];
    for (const tid of [200, 300, 400]) {
      const evt = at(tid);
      expect(names.map((n) => evt.field(n)), `thread ${tid}`).toEqual(names.map(() => null));
    }
    // The sandbox was never announced: the pod's own fields still come from its container.
    const evt = at(100);
    expect([evt.field('k8s.pod.name'), evt.field('k8s.pod.labels'), evt.field('k8s.pod.label.app')]).toEqual(['nginx-sandbox', null, null]);
  });

  it('a CRI pod sandbox as its lookup announces it (is_pod_sandbox, its own sandbox id): its own threads have the pod fields and labels', () => {
    const sandbox = container(SANDBOX.slice(0, 12), {
      ...(SANDBOX_CONTAINER.labels as Record<string, string>),
      'io.kubernetes.pod.name': 'nginx-sandbox',
      'io.kubernetes.pod.namespace': 'default',
      'io.kubernetes.sandbox.id': SANDBOX,
    }, { name: 'nginx-sandbox', image: '', is_pod_sandbox: true });
    const p = new EventPipeline({ processes: [threadIn(500, [`cpu=/kubepods.slice/kubepods-pod3e41.slice/cri-containerd-${SANDBOX}.scope`])] });
    p.batch(EventBatch.fromEvents([containerJsonEvent(sandbox, (ts += 1000n))]));
    const evt = p.batch(EventBatch.fromEvents([getuid(500)])).at(0);
    const names = ['k8s.pod.name', 'k8s.ns.name', 'k8s.pod.sandbox_id', 'k8s.pod.label[app]', 'k8s.pod.labels', 'k8s.pod.ip', 'k8s.pod.cni.json'];
    expect(names.map((n) => evt.field(n))).toEqual([
      'nginx-sandbox', 'default', '63060edc2d3a', 'myapp', 'app:myapp, bare, example-label/custom_one:mylabel', '10.244.0.2',
      // No CNI result announced: empty, as libsinsp has it.
      '',
    ]);
  });

  it("filter: rules on namespace and pod labels select the pod's events; fields of the removed API client load and match nothing", () => {
    expect(passing('k8s.ns.name = default and k8s.pod.label[app] = myapp and k8s.pod.name startswith nginx')).toEqual([100]);
    expect(passing('not k8s.pod.name exists')).toEqual([300]);
    expect(passing('k8s.deployment.name exists or k8s.rs.label.app = x or k8s.svc.labels contains a or k8s.ns.id exists')).toEqual([]);
    expect(() => fields.get('k8s.pod.label')).toThrow();
    expect(fields.get('k8s.pod.label[app.kubernetes.io/name]').arg).toBe('app.kubernetes.io/name');
  });

  it('output formats read a dotted label name up to the first character a label name cannot hold', () => {
    const evt = pipeline([POD_CONTAINER, SANDBOX_CONTAINER])(100);
    const f = new EventFormatter('%k8s.ns.name/%k8s.pod.name %k8s.pod.label.example-label/custom_one,%k8s.pod.label[app] %k8s.pod.sandbox_id');
    expect(f.format(evt)).toBe('default/nginx-sandbox mylabel,myapp 63060edc2d3a');
  });
});
