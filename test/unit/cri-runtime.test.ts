/**
 * The CRI client (containerd, cri-o) against a fake runtime speaking gRPC on
 * a unix socket: a verbose ContainerStatus mapped to libsinsp's container
 * JSON keys, the pod's address from its sandbox's PodSandboxStatus, a pod
 * sandbox's own lookup, gRPC statuses and malformed answers as typed errors,
 * counted by the lookups, and the way through the pipeline to `container.*`
 * and `k8s.*` fields.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ProtobufError } from '../../lib/errors.js';
import { EventBatch, PPME, encodeEvent } from '../../lib/events/index.js';
import '../../lib/fields/index.js';
import { EventPipeline } from '../../lib/pipeline.js';
import { containerFromCgroups } from '../../lib/state/containers.js';
import { CriClient } from '../../lib/state/runtimes/index.js';
import { ProtoMessage, ProtoWriter } from '../../lib/state/runtimes/protobuf.js';
import { fakeDockerEngine, until } from '../helpers/fake-docker.js';
import { fakeCriRuntime, type FakeCri, type FakeCriAnswer } from '../helpers/fake-cri.js';
import { closeLookups, lookupOf, rejection, threadIn } from '../helpers/runtime-lookups.js';

const FULL_ID = '9b1e4c2d7a3f5e6b8c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b';
const ID = FULL_ID.slice(0, 12);
const IMAGE_HEX = 'a8758716bb6aa4d90071160d27028fe4eaee7ce8166221a97d30440c8eac2be6';
const DIGEST = 'sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31';
const SANDBOX = '5f6e7d8c9b0a1f2e3d4c5b6a79881726354453627180f9e8d7c6b5a493827160';
const CREATED_NS = 1_715_678_467_123_456_789n;
const CONTAINER_STATUS = '/runtime.v1.RuntimeService/ContainerStatus';
const POD_SANDBOX_STATUS = '/runtime.v1.RuntimeService/PodSandboxStatus';
const SANDBOX_CREATED_NS = 1_715_678_460_987_654_321n;
const POD_UID = '3c1b2a4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';

function map(field: number, entries: Record<string, string>, w = new ProtoWriter()): ProtoWriter {
  for (const [k, v] of Object.entries(entries)) w.message(field, new ProtoWriter().string(1, k).string(2, v));
  return w;
}

interface StatusParts {
  name?: string;
  image?: string;
  imageRef?: string;
  labels?: Record<string, string>;
  mounts?: Array<{ container: string; host: string; readonly?: boolean; propagation?: number }>;
  info?: unknown;
}

/** A ContainerStatusResponse as runtime.v1 encodes it, with fields the client does not read (state, started_at, annotations, log_path...). */
function statusResponse(p: StatusParts): Uint8Array {
  const status = new ProtoWriter()
    .string(1, FULL_ID)
    .message(2, new ProtoWriter().string(1, p.name ?? 'web').varint(2, 1))
    .varint(3, 1)
    .varint(4, CREATED_NS)
    .varint(5, CREATED_NS + 500_000_000n)
    .varint(7, 0)
    .message(8, new ProtoWriter().string(1, p.image ?? ''))
    .string(9, p.imageRef ?? '');
  map(12, p.labels ?? {}, status);
  map(13, { 'io.kubernetes.container.restartCount': '0' }, status);
  for (const m of p.mounts ?? []) {
    const mount = new ProtoWriter().string(1, m.container).string(2, m.host).bool(3, m.readonly ?? false).bool(4, false).varint(5, m.propagation ?? 0);
    status.message(14, mount);
  }
  status.string(15, `/var/log/pods/shop_web/web/0.log`);
  const response = new ProtoWriter().message(1, status);
  if (p.info !== undefined) map(2, { info: JSON.stringify(p.info) }, response);
  return response.finish();
}

const K8S_LABELS = {
  'io.kubernetes.container.name': 'web',
  'io.kubernetes.pod.name': 'web-7d9c5b6f4-x2k8p',
  'io.kubernetes.pod.namespace': 'shop',
  'io.kubernetes.pod.uid': POD_UID,
};

interface SandboxParts {
  ip?: string;
  additionalIps?: string[];
  /** NamespaceMode of the pod's network (default POD, 0; NODE is 2). */
  networkMode?: number;
  labels?: Record<string, string>;
  info?: unknown;
}

/** The kubelet's labels of the web pod's sandbox: its own, the pod's from the deployment, and one too long to keep. */
const SANDBOX_LABELS = {
  'io.kubernetes.pod.name': 'web-7d9c5b6f4-x2k8p',
  'io.kubernetes.pod.namespace': 'shop',
  'io.kubernetes.pod.uid': POD_UID,
  app: 'web',
  'pod-template-hash': '7d9c5b6f4',
  'example.com/long': 'y'.repeat(101),
};

/** containerd's verbose sandbox info: the CNI result with the loopback, the host's veth and a bridge beside the pod's eth0. */
const CONTAINERD_SANDBOX_INFO = {
  pid: 41200,
  processStatus: 'running',
  netNamespaceClosed: false,
  image: 'registry.k8s.io/pause:3.9',
  snapshotter: 'overlayfs',
  runtimeType: 'io.containerd.runc.v2',
  cniResult: {
    Interfaces: {
      cni0: { IPConfigs: null, Mac: '7a:c3:18:0e:5b:91', Sandbox: '' },
      eth0: { IPConfigs: [{ IP: '10.244.1.7', Gateway: '10.244.1.1' }], Mac: 'b2:6f:1d:44:09:e3', Sandbox: '/var/run/netns/cni-6f0f1a2b' },
      lo: { IPConfigs: [{ IP: '127.0.0.1', Gateway: '' }], Mac: '00:00:00:00:00:00', Sandbox: '/var/run/netns/cni-6f0f1a2b' },
      veth4c1d2e3f: { IPConfigs: null, Mac: '3e:8a:55:71:c2:0d', Sandbox: '' },
    },
    DNS: [{}, {}],
    Routes: [{ dst: '0.0.0.0/0' }],
  },
  config: { metadata: { name: 'web-7d9c5b6f4-x2k8p', uid: POD_UID, namespace: 'shop' } },
};
/** A sandbox runs none of the pod's images. */
const NO_IMAGE = { image: '', imageid: '', imagerepo: '', imagetag: '', imagedigest: '' };

/** What libsinsp keeps of it: the pod's interfaces, without Mac and Sandbox, keys sorted. */
const CONTAINERD_CNI = '{"cni0":{"IPConfigs":null},"eth0":{"IPConfigs":[{"Gateway":"10.244.1.1","IP":"10.244.1.7"}]}}';

/** A PodSandboxStatusResponse as runtime.v1 encodes it, with fields the client does not read (state, annotations, runtime_handler, timestamp). */
function sandboxResponse(p: SandboxParts = {}): Uint8Array {
  const network = new ProtoWriter().string(1, p.ip ?? '10.244.1.7');
  for (const ip of p.additionalIps ?? []) network.message(2, new ProtoWriter().string(1, ip));
  const options = new ProtoWriter().varint(1, p.networkMode ?? 0).varint(2, 1).varint(3, 0);
  const status = new ProtoWriter()
    .string(1, SANDBOX)
    .message(2, new ProtoWriter().string(1, 'web-7d9c5b6f4-x2k8p').string(2, POD_UID).string(3, 'shop').varint(4, 0))
    .varint(3, 0)
    .varint(4, SANDBOX_CREATED_NS)
    .message(5, network)
    .message(6, new ProtoWriter().message(1, new ProtoWriter().message(2, options)));
  map(7, p.labels ?? SANDBOX_LABELS, status);
  map(8, { 'kubernetes.io/config.source': 'api' }, status);
  status.string(9, 'runc');
  const response = new ProtoWriter().message(1, status);
  if (p.info !== undefined) map(2, { info: JSON.stringify(p.info) }, response);
  return response.varint(4, SANDBOX_CREATED_NS + 1n).finish();
}

/** A runtime that knows the web container (ID) and its sandbox (SANDBOX, or its prefix); `sandbox` answers PodSandboxStatus for it. */
function podRoute(sandbox: FakeCriAnswer = { message: sandboxResponse({ info: CONTAINERD_SANDBOX_INFO }) }, container: Uint8Array = containerdAnswer) {
  return (path: string, request: Uint8Array): FakeCriAnswer => {
    const id = new ProtoMessage(request).string(1);
    if (path === CONTAINER_STATUS) return id === ID ? { message: container } : { grpcStatus: 5, grpcMessage: `container "${id}" not found` };
    if (path === POD_SANDBOX_STATUS && SANDBOX.startsWith(id) && id.length >= 12) return sandbox;
    return { grpcStatus: 5, grpcMessage: `pod sandbox "${id}" not found` };
  };
}

/** What containerd answers for an nginx container of a privileged pod: the image id in the config, privileged in config.linux. */
const containerdAnswer = statusResponse({
  image: 'docker.io/library/nginx:1.25',
  imageRef: `docker.io/library/nginx@${DIGEST}`,
  labels: { ...K8S_LABELS, 'org.opencontainers.image.source': `https://example.com/${'x'.repeat(100)}` },
  mounts: [
    { container: '/usr/share/nginx/html', host: '/var/lib/kubelet/pods/3c1b/volumes/kubernetes.io~configmap/html', readonly: true },
    { container: '/var/run/secrets/kubernetes.io/serviceaccount', host: '/var/lib/kubelet/pods/3c1b/volumes/token', readonly: true, propagation: 1 },
    { container: '/data', host: '/mnt/data', propagation: 2 },
  ],
  info: {
    sandboxID: SANDBOX,
    pid: 41234,
    snapshotter: 'overlayfs',
    config: { metadata: { name: 'web', attempt: 1 }, image: { image: `sha256:${IMAGE_HEX}` }, linux: { security_context: { privileged: true } } },
    runtimeSpec: { process: { user: { uid: 101, gid: 101 } }, annotations: { 'io.kubernetes.cri.container-type': 'container' } },
  },
});

let runtimes: FakeCri[] = [];

async function runtime(route: (path: string, request: Uint8Array) => FakeCriAnswer): Promise<FakeCri> {
  const r = await fakeCriRuntime(route);
  runtimes.push(r);
  return r;
}

afterEach(async () => {
  closeLookups();
  for (const r of runtimes) await r.close();
  runtimes = [];
});

describe('containerd and cri-o cgroups', () => {
  it('each names its runtime', () => {
    expect(containerFromCgroups([['cpu', `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod3c1b.slice/cri-containerd-${FULL_ID}.scope`]]))
      .toEqual({ id: ID, runtime: 'containerd' });
    expect(containerFromCgroups([['cpu', `/system.slice/containerd.service/kubepods-pod3c1b.slice:cri-containerd:${FULL_ID}`]])).toEqual({ id: ID, runtime: 'containerd' });
    expect(containerFromCgroups([['cpu', `/kubepods.slice/kubepods-pod3c1b.slice/crio-${FULL_ID}.scope`]])).toEqual({ id: ID, runtime: 'crio' });
    expect(containerFromCgroups([['cpu', `/kubepods/pod3c1b/crio-${FULL_ID}`]])).toEqual({ id: ID, runtime: 'crio' });
  });
});

describe('CriClient', () => {
  it("containerd: a verbose ContainerStatus, every field mapped as libsinsp maps it; the pod's address and CNI result from its sandbox", async () => {
    const r = await runtime(podRoute());
    const info = await new CriClient({ socket: r.socket, runtime: 'containerd' }).inspect(ID);
    expect(info).toEqual({
      id: ID,
      full_id: FULL_ID,
      type: 7,
      name: 'web',
      image: 'docker.io/library/nginx:1.25',
      imageid: IMAGE_HEX,
      imagerepo: 'docker.io/library/nginx',
      imagetag: '1.25',
      imagedigest: DIGEST,
      privileged: true,
      is_pod_sandbox: false,
      created_time: 1_715_678_467,
      ip: '10.244.1.7',
      cniresult: CONTAINERD_CNI,
      labels: { ...K8S_LABELS, 'io.kubernetes.sandbox.id': SANDBOX },
      Mounts: [
        { Source: '/var/lib/kubelet/pods/3c1b/volumes/kubernetes.io~configmap/html', Destination: '/usr/share/nginx/html', Mode: '', RW: false, Propagation: 'private' },
        { Source: '/var/lib/kubelet/pods/3c1b/volumes/token', Destination: '/var/run/secrets/kubernetes.io/serviceaccount', Mode: '', RW: false, Propagation: 'rslave' },
        { Source: '/mnt/data', Destination: '/data', Mode: '', RW: true, Propagation: 'rshared' },
      ],
      User: '101',
      lookup_state: 1,
    });
    // ContainerStatus with the id as cgroups tell it, then PodSandboxStatus with the info's sandbox id, both verbose for the info map.
    expect(r.calls.map((c) => c.path)).toEqual([CONTAINER_STATUS, POD_SANDBOX_STATUS]);
    const requests = r.calls.map((c) => new ProtoMessage(c.request));
    expect(requests.map((q) => [q.string(1), q.bool(2)])).toEqual([[ID, true], [SANDBOX, true]]);
  });

  it('cri-o: image named by its id, the name from the spec annotations, privileged at the top of the info', async () => {
    const r = await runtime(() => ({
      message: statusResponse({
        name: 'api',
        image: `sha256:${IMAGE_HEX}`,
        imageRef: `sha256:${IMAGE_HEX}`,
        labels: { 'io.kubernetes.pod.name': 'api-0', 'io.kubernetes.pod.namespace': 'shop' },
        info: {
          sandboxID: SANDBOX,
          pid: 5150,
          privileged: true,
          runtimeSpec: { process: { user: { uid: 0, gid: 0 } }, annotations: { 'io.kubernetes.cri-o.ImageName': 'quay.io/acme/api:2.1' } },
        },
      }),
    }));
    const info = await new CriClient({ socket: r.socket, runtime: 'crio' }).inspect(ID);
    expect(info).toMatchObject({
      type: 8,
      // No container name label: the status's metadata names it.
      name: 'api',
      image: 'quay.io/acme/api:2.1',
      imageid: IMAGE_HEX,
      imagerepo: 'quay.io/acme/api',
      imagetag: '2.1',
      imagedigest: `sha256:${IMAGE_HEX}`,
      privileged: true,
      User: '0',
      labels: { 'io.kubernetes.pod.name': 'api-0', 'io.kubernetes.pod.namespace': 'shop', 'io.kubernetes.sandbox.id': SANDBOX },
    });
  });

  it('without the info map (or with one that is not JSON): not privileged, no image id, no user; the name tells repository, tag and digest', async () => {
    const pinned = `ghcr.io/acme/worker:3@${DIGEST}`;
    const r = await runtime(() => ({ message: statusResponse({ name: 'worker', image: pinned, imageRef: '' }) }));
    expect(await new CriClient({ socket: r.socket, runtime: 'crio' }).inspect(ID)).toMatchObject({
      name: 'worker', image: pinned, imageid: '', imagerepo: 'ghcr.io/acme/worker', imagetag: '3', imagedigest: DIGEST, privileged: false, User: '', labels: {},
    });
    const r2 = await runtime(() => ({ message: new ProtoWriter().message(1, new ProtoWriter().string(1, FULL_ID)).message(2, new ProtoWriter().string(1, 'info').string(2, '{not json')).finish() }));
    expect(await new CriClient({ socket: r2.socket, runtime: 'containerd' }).inspect(ID)).toMatchObject({ full_id: FULL_ID, name: '', privileged: false, created_time: 0 });
  });

  it('a gRPC NOT_FOUND to ContainerStatus and to PodSandboxStatus is not found; another status is an RPC error', async () => {
    const r = await runtime(() => ({ grpcStatus: 5, grpcMessage: `an error occurred when try to find container "${ID}": not found` }));
    const notFound = await rejection(new CriClient({ socket: r.socket, runtime: 'containerd' }).inspect(ID));
    expect(notFound).toMatchObject({ code: 'RUNTIME_NOT_FOUND', status: 5, runtime: 'containerd', containerId: ID });
    expect(notFound.message).toContain('neither a container nor a pod sandbox');
    expect(r.calls.map((c) => [c.path, new ProtoMessage(c.request).string(1)])).toEqual([[CONTAINER_STATUS, ID], [POD_SANDBOX_STATUS, ID]]);

    const r2 = await runtime(() => ({ grpcStatus: 12, grpcMessage: 'unknown service runtime.v1.RuntimeService' }));
    const unimplemented = await rejection(new CriClient({ socket: r2.socket, runtime: 'crio' }).inspect(ID));
    expect(unimplemented).toMatchObject({ code: 'RUNTIME_RPC', status: 12 });
    expect(unimplemented.message).toContain('unknown service runtime.v1.RuntimeService');
    // Only a not-found container is asked for as a sandbox.
    expect(r2.calls).toHaveLength(1);

    // Not a container, and the sandbox call fails otherwise: that error (retried by the lookups).
    const r3 = await runtime((path) => (path === CONTAINER_STATUS ? { grpcStatus: 5 } : { grpcStatus: 14, grpcMessage: 'unavailable' }));
    expect(await rejection(new CriClient({ socket: r3.socket, runtime: 'containerd' }).inspect(ID))).toMatchObject({ code: 'RUNTIME_RPC', status: 14 });
  });

  it('a pod sandbox: not a container, so PodSandboxStatus describes it (is_pod_sandbox, the pod in its labels, its address)', async () => {
    const r = await runtime(podRoute());
    const info = await new CriClient({ socket: r.socket, runtime: 'containerd' }).inspect(SANDBOX.slice(0, 12));
    expect(info).toEqual({
      id: SANDBOX.slice(0, 12),
      full_id: SANDBOX,
      type: 7,
      name: 'web-7d9c5b6f4-x2k8p',
      ...NO_IMAGE,
      privileged: false,
      is_pod_sandbox: true,
      created_time: 1_715_678_460,
      ip: '10.244.1.7',
      cniresult: CONTAINERD_CNI,
      // The status's labels but the one over 100 characters; the sandbox is its own.
      labels: {
        'io.kubernetes.pod.name': 'web-7d9c5b6f4-x2k8p',
        'io.kubernetes.pod.namespace': 'shop',
        'io.kubernetes.pod.uid': POD_UID,
        app: 'web',
        'pod-template-hash': '7d9c5b6f4',
        'io.kubernetes.sandbox.id': SANDBOX,
      },
      Mounts: [],
      User: '',
      lookup_state: 1,
    });
    expect(r.calls.map((c) => c.path)).toEqual([CONTAINER_STATUS, POD_SANDBOX_STATUS]);
    const request = new ProtoMessage(r.calls[1].request);
    expect([request.string(1), request.bool(2)]).toEqual([SANDBOX.slice(0, 12), true]);

    // cri-o: typed cri-o, the pod named from the metadata when the labels lack it, no CNI result in its info.
    const crio = await runtime(podRoute({ message: sandboxResponse({ labels: { app: 'web' }, info: { sandboxID: SANDBOX, runtimeSpec: { annotations: {} } } }) }));
    const crioSandbox = await new CriClient({ socket: crio.socket, runtime: 'crio' }).inspect(SANDBOX.slice(0, 12));
    expect(crioSandbox).not.toHaveProperty('cniresult');
    expect(crioSandbox).toMatchObject({
      type: 8, is_pod_sandbox: true, ip: '10.244.1.7',
      labels: { app: 'web', 'io.kubernetes.pod.name': 'web-7d9c5b6f4-x2k8p', 'io.kubernetes.pod.namespace': 'shop', 'io.kubernetes.pod.uid': POD_UID, 'io.kubernetes.sandbox.id': SANDBOX },
    });
  });

  it("the pod's address: IPv4 only, none on the host's network; cri-o's CNI result annotation as it is", async () => {
    const inspect = async (sandbox: SandboxParts) => {
      const r = await runtime(podRoute({ message: sandboxResponse(sandbox) }));
      return new CriClient({ socket: r.socket, runtime: 'containerd' }).inspect(ID);
    };
    // An IPv6 primary address is not kept (libsinsp keeps an IPv4 u32), even with an IPv4 one beside it.
    expect(await inspect({ ip: 'fd00:10:244:1::7', additionalIps: ['10.244.1.7'] })).toMatchObject({ ip: '0.0.0.0', full_id: FULL_ID });
    expect((await inspect({ ip: '10.244.1.7', additionalIps: ['fd00:10:244:1::7'] })).ip).toBe('10.244.1.7');
    expect((await inspect({ ip: '' })).ip).toBe('0.0.0.0');
    // hostNetwork: the runtime may tell the node's address; libsinsp leaves it.
    expect((await inspect({ ip: '192.168.1.20', networkMode: 2 })).ip).toBe('0.0.0.0');
    const crioCni = '{"cniVersion":"1.0.0","interfaces":[{"name":"eth0"}],"ips":[{"address":"10.85.0.12/16"}]}';
    expect((await inspect({ info: { runtimeSpec: { annotations: { 'io.kubernetes.cri-o.CNIResult': `${crioCni}\n` } } } })).cniresult).toBe(crioCni);
    // A verbose info without a CNI result (or not JSON) gives none.
    expect(await inspect({ info: { pid: 1 } })).not.toHaveProperty('cniresult');
    expect(await inspect({})).not.toHaveProperty('cniresult');
  });

  it("a sandbox call that fails leaves the container's metadata, without the pod's address", async () => {
    for (const sandbox of [{ grpcStatus: 5 }, { grpcStatus: 14, grpcMessage: 'unavailable' }, { message: Uint8Array.from([0x0a, 0xff]) }, { message: new Uint8Array(0) }]) {
      const r = await runtime(podRoute(sandbox));
      const info = await new CriClient({ socket: r.socket, runtime: 'containerd' }).inspect(ID);
      expect(info, JSON.stringify(sandbox)).toMatchObject({ full_id: FULL_ID, name: 'web', image: 'docker.io/library/nginx:1.25', privileged: true, ip: '0.0.0.0' });
      expect(info).not.toHaveProperty('cniresult');
      expect(r.calls).toHaveLength(2);
    }
    // No answer within the timeout: the same, after it.
    const slow = await runtime(podRoute({ hang: true }));
    expect(await new CriClient({ socket: slow.socket, runtime: 'containerd', timeoutMs: 100 }).inspect(ID)).toMatchObject({ name: 'web', ip: '0.0.0.0' });
    // No sandbox id in the info: no sandbox call.
    const alone = await runtime(podRoute(undefined, statusResponse({ name: 'worker', labels: {} })));
    expect(await new CriClient({ socket: alone.socket, runtime: 'crio' }).inspect(ID)).toMatchObject({ name: 'worker', ip: '0.0.0.0' });
    expect(alone.calls).toHaveLength(1);
  });

  it('malformed answers are typed errors: bad protobuf, no status, bad framing, compressed, no grpc-status', async () => {
    const client = async (answer: FakeCriAnswer) => new CriClient({ socket: (await runtime(() => answer)).socket, runtime: 'containerd' });

    const truncated = await rejection((await client({ message: Uint8Array.from([0x0a, 0x20, 0x0a, 0x02]) })).inspect(ID));
    expect(truncated.code).toBe('RUNTIME_BAD_RESPONSE');
    expect(truncated.cause).toBeInstanceOf(ProtobufError);

    // The status given as a number instead of a message.
    const wrongType = await rejection((await client({ message: Uint8Array.from([0x08, 0x01]) })).inspect(ID));
    expect(wrongType.code).toBe('RUNTIME_BAD_RESPONSE');
    expect(wrongType.cause).toBeInstanceOf(ProtobufError);

    expect((await rejection((await client({ message: new Uint8Array(0) })).inspect(ID))).code).toBe('RUNTIME_BAD_RESPONSE');
    expect((await rejection((await client({ rawBody: Uint8Array.from([0, 0, 0, 0, 9, 1]) })).inspect(ID))).code).toBe('RUNTIME_BAD_RESPONSE');
    expect((await rejection((await client({ rawBody: Uint8Array.from([1, 0, 0, 0, 1, 0]) })).inspect(ID))).message).toContain('compressed');
    expect((await rejection((await client({ rawBody: Uint8Array.from([0, 0]) })).inspect(ID))).code).toBe('RUNTIME_BAD_RESPONSE');
  });

  it('no socket, or no HTTP/2 server on it, is unreachable; no answer is a timeout', async () => {
    const missing = await rejection(new CriClient({ socket: '/nonexistent/containerd.sock', runtime: 'containerd' }).inspect(ID));
    expect(missing.code).toBe('RUNTIME_UNREACHABLE');
    expect(missing.message).toContain('ENOENT');

    // Something else on the socket: an HTTP/1.1 server (the Docker Engine API) refuses HTTP/2.
    const docker = await fakeDockerEngine(() => ({ body: {} }));
    try {
      const wrongServer = await rejection(new CriClient({ socket: docker.socket, runtime: 'containerd' }).inspect(ID));
      expect(wrongServer.code).toBe('RUNTIME_UNREACHABLE');
    } finally {
      await docker.close();
    }

    const slow = await runtime(() => ({ hang: true }));
    const t0 = Date.now();
    const timeout = await rejection(new CriClient({ socket: slow.socket, runtime: 'crio', timeoutMs: 100 }).inspect(ID));
    expect(timeout.code).toBe('RUNTIME_TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('an aborted lookup rejects at once', async () => {
    const slow = await runtime(() => ({ hang: true }));
    const ac = new AbortController();
    const pending = new CriClient({ socket: slow.socket, runtime: 'crio' }).inspect(ID, ac.signal);
    await until(() => slow.calls.length === 1);
    ac.abort();
    expect((await rejection(pending)).code).toBe('RUNTIME_ABORTED');
  });
});

describe('ContainerMetadataLookup with CRI clients', () => {
  it('failures are counted, never thrown: not found at once, malformed, unreachable and timeouts after retries', async () => {
    const notFound = await runtime(() => ({ grpcStatus: 5 }));
    const garbage = await runtime(() => ({ message: Uint8Array.from([0x0a, 0xff]) }));
    const slow = await runtime(() => ({ hang: true }));
    const l = lookupOf(
      { containerd: new CriClient({ socket: notFound.socket, runtime: 'containerd' }), crio: new CriClient({ socket: garbage.socket, runtime: 'crio' }) },
      () => undefined,
      { retryDelaysMs: [5] },
    );
    l.request(ID, 'containerd');
    l.request(ID.replace(/^./, 'f'), 'crio');
    await until(() => l.stats().failed === 2);
    // Not found as a container nor as a sandbox: one lookup, one not-found, two calls.
    expect(l.stats()).toMatchObject({ started: 2, retries: 1, errors: { notFound: 1, badResponse: 2, unreachable: 0 } });
    expect(notFound.calls.map((c) => c.path)).toEqual([CONTAINER_STATUS, POD_SANDBOX_STATUS]);

    const down = lookupOf(
      { containerd: new CriClient({ socket: '/nonexistent/containerd.sock', runtime: 'containerd' }), crio: new CriClient({ socket: slow.socket, runtime: 'crio', timeoutMs: 30 }) },
      () => undefined,
      { retryDelaysMs: [] },
    );
    down.request(ID, 'containerd');
    down.request(ID.replace(/^./, 'f'), 'crio');
    await until(() => down.stats().failed === 2);
    expect(down.stats().errors).toEqual({ unreachable: 1, timeout: 1, notFound: 0, http: 0, rpc: 0, badResponse: 0 });
  });
});

describe('through the pipeline', () => {
  let ts = 1_700_000_000_000_000_000n;
  const getuid = (tid: number) => EventBatch.fromEvents([encodeEvent({ type: PPME.SYSCALL_GETUID_E, ts: (ts += 1000n), tid, params: {} })]);

  it('a containerd container gets its name, image and privileged from the CRI socket; a cri-o one is typed cri-o', async () => {
    const r = await runtime(() => ({ message: containerdAnswer }));
    const metadata = {
      processes: [
        threadIn(4242, [`cpu=/kubepods.slice/kubepods-pod3c1b.slice/cri-containerd-${FULL_ID}.scope`]),
        threadIn(5150, [`cpu=/kubepods.slice/kubepods-pod3c1b.slice/crio-${'c'.repeat(64)}.scope`]),
      ],
    };
    const pipeline = new EventPipeline(metadata, {
      live: true, containerRuntimes: { docker: false, podman: false, containerd: { socket: r.socket }, crio: false },
    });
    const first = pipeline.batch(getuid(4242)).at(0);
    expect([first.field('container.id'), first.field('container.type'), first.field('container.name')]).toEqual([ID, 'containerd', null]);
    expect(pipeline.batch(getuid(5150)).at(0).field('container.type')).toBe('cri-o');

    await until(() => pipeline.containerLookup!.stats().succeeded === 1);
    pipeline.batch(pipeline.takeContainerEvents()!);
    const later = pipeline.batch(getuid(4242)).at(0);
    const fields = {
      'container.name': 'web',
      'container.image': 'docker.io/library/nginx:1.25',
      'container.image.id': IMAGE_HEX,
      'container.image.repository': 'docker.io/library/nginx',
      'container.image.tag': '1.25',
      'container.image.digest': DIGEST,
      'container.privileged': true,
      'container.type': 'containerd',
      // The kubelet's labels and the status's sandbox id give the pod's fields.
      'k8s.ns.name': 'shop',
      'k8s.pod.name': 'web-7d9c5b6f4-x2k8p',
      'k8s.pod.uid': '3c1b2a4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
      'k8s.pod.sandbox_id': SANDBOX.slice(0, 12),
    };
    expect(Object.fromEntries(Object.keys(fields).map((f) => [f, later.field(f)]))).toEqual(fields);
    // cri-o was not asked.
    expect(pipeline.containerLookup!.stats().started).toBe(1);
    pipeline.close();
  });

  it("a pod's sandbox is looked up as one: k8s.pod.label[...] and k8s.pod.labels of the pod's containers have values, and k8s.pod.ip", async () => {
    const r = await runtime(podRoute());
    const metadata = {
      processes: [
        threadIn(4242, [`cpu=/kubepods.slice/kubepods-pod3c1b.slice/cri-containerd-${FULL_ID}.scope`]),
        // The pause process, in the sandbox's cgroup.
        threadIn(4100, [`cpu=/kubepods.slice/kubepods-pod3c1b.slice/cri-containerd-${SANDBOX}.scope`]),
      ],
    };
    const pipeline = new EventPipeline(metadata, {
      live: true, containerRuntimes: { docker: false, podman: false, containerd: { socket: r.socket }, crio: false },
    });
    const pod = ['k8s.pod.label[app]', 'k8s.pod.label.pod-template-hash', 'k8s.pod.labels', 'k8s.pod.ip', 'k8s.pod.cni.json'];
    const before = pipeline.batch(getuid(4242)).at(0);
    expect(pod.map((f) => before.field(f))).toEqual(pod.map(() => null));
    pipeline.batch(getuid(4100));

    await until(() => pipeline.containerLookup!.stats().succeeded === 2);
    pipeline.batch(pipeline.takeContainerEvents()!);
    const web = pipeline.batch(getuid(4242)).at(0);
    const pause = pipeline.batch(getuid(4100)).at(0);
    expect(Object.fromEntries(pod.map((f) => [f, web.field(f)]))).toEqual({
      'k8s.pod.label[app]': 'web',
      'k8s.pod.label.pod-template-hash': '7d9c5b6f4',
      // Kubelet labels left out, the one over 100 characters not kept.
      'k8s.pod.labels': 'app:web, pod-template-hash:7d9c5b6f4',
      'k8s.pod.ip': '10.244.1.7',
      'k8s.pod.cni.json': CONTAINERD_CNI,
    });
    // The sandbox's own thread: the pod's fields, the sandbox its own.
    expect([pause.field('container.name'), pause.field('k8s.pod.name'), pause.field('k8s.pod.sandbox_id'), pause.field('k8s.pod.label[app]'), pause.field('k8s.pod.ip')])
      .toEqual(['web-7d9c5b6f4-x2k8p', 'web-7d9c5b6f4-x2k8p', SANDBOX.slice(0, 12), 'web', '10.244.1.7']);
    // One lookup per id, whatever the calls: the container's two, the sandbox's not-found container then its status.
    expect(pipeline.containerLookup!.stats()).toMatchObject({ started: 2, succeeded: 2, failed: 0, retries: 0, errors: { notFound: 0 } });
    expect(r.calls.map((c) => c.path).sort()).toEqual([CONTAINER_STATUS, CONTAINER_STATUS, POD_SANDBOX_STATUS, POD_SANDBOX_STATUS]);
    pipeline.close();
  });
});
