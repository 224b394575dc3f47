/**
 * Container metadata from a CRI runtime (the Kubernetes Container Runtime
 * Interface, runtime.v1: containerd, cri-o) over its gRPC unix socket, as
 * libsinsp's cri engine reads it (cri.hpp): a verbose `ContainerStatus`.
 * The status gives the name, image, labels, mounts and creation time; the
 * verbose `info` map's "info" JSON, which each runtime fills its own way,
 * gives the image id (containerd), the user, whether the container is
 * privileged and its pod sandbox's id. A verbose `PodSandboxStatus` of that
 * sandbox then gives the pod's IPv4 address and CNI result (the container
 * keeps its metadata when that call fails). An id that ContainerStatus does
 * not know may be a pod sandbox's (its pause container's cgroup, which the
 * CRI does not call a container): PodSandboxStatus then describes it.
 * libsinsp's ListImages call, for an image id the answer lacks, is not made.
 */
import { isIPv4 } from 'node:net';
import { ContainerRuntimeError } from '../../errors.js';
import { CONTAINER_TYPE, LOOKUP_SUCCESSFUL, MAX_LABEL_LENGTH, type ContainerMount } from '../containers.js';
import { DEFAULT_RUNTIME_TIMEOUT_MS, type EngineContainerInfo } from './docker.js';
import { grpcUnary } from './grpc.js';
import { splitContainerImage } from './image.js';
import { dig, obj } from './json.js';
import type { ContainerRuntimeClient } from './lookup.js';
import { ProtoMessage, ProtoWriter } from './protobuf.js';

export const CONTAINERD_SOCKET = '/run/containerd/containerd.sock';
export const CRIO_SOCKET = '/run/crio/crio.sock';

const CONTAINER_STATUS = '/runtime.v1.RuntimeService/ContainerStatus';
const POD_SANDBOX_STATUS = '/runtime.v1.RuntimeService/PodSandboxStatus';

/** Field numbers of runtime.v1's api.proto. */
const F = {
  // ContainerStatusRequest and PodSandboxStatusRequest alike: the id, then verbose.
  request: { id: 1, verbose: 2 },
  // ContainerStatusResponse and PodSandboxStatusResponse alike: the status, then the info map.
  response: { status: 1, info: 2 },
  status: { id: 1, metadata: 2, createdAt: 4, image: 8, imageRef: 9, labels: 12, mounts: 14 },
  metadata: { name: 1 },
  imageSpec: { image: 1 },
  mount: { containerPath: 1, hostPath: 2, readonly: 3, propagation: 5 },
  sandbox: { id: 1, metadata: 2, createdAt: 4, network: 5, linux: 6, labels: 7 },
  sandboxMetadata: { name: 1, uid: 2, namespace: 3 },
  sandboxNetwork: { ip: 1 },
  // LinuxPodSandboxStatus.namespaces, Namespace.options, NamespaceOption.network.
  sandboxLinux: { namespaces: 1 },
  namespace: { options: 2 },
  namespaceOption: { network: 1 },
} as const;

/** NamespaceMode NODE: the pod shares the host's network (its address is the node's, not kept). */
const NAMESPACE_NODE = 2n;

/** libsinsp's bound on a CNI result. */
const MAX_CNIRESULT_LENGTH = 4096;

/** The kubelet's label naming a container's pod sandbox (libsinsp sets it from the info's sandboxID). */
const SANDBOX_LABEL = 'io.kubernetes.sandbox.id';

/** MountPropagation's values, named as libsinsp names them. */
const PROPAGATION = ['private', 'rslave', 'rshared'];

export interface CriOptions {
  /** Path of the runtime's CRI socket. */
  socket: string;
  /** Which runtime listens there: names it in errors and sets the container type. */
  runtime: 'containerd' | 'crio';
  /** Longest wait for one answer, in ms (default 5000). */
  timeoutMs?: number;
}

export class CriClient implements ContainerRuntimeClient {
  readonly socket: string;
  readonly runtime: 'containerd' | 'crio';
  readonly timeoutMs: number;

  constructor(options: CriOptions) {
    this.socket = options.socket;
    this.runtime = options.runtime;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_RUNTIME_TIMEOUT_MS;
  }

  /**
   * The container's metadata (`id`: as cgroups name it; CRI runtimes take an
   * id's prefix), or the pod sandbox's when the id is one. Rejects with
   * RUNTIME_NOT_FOUND when the runtime knows neither.
   */
  async inspect(id: string, signal?: AbortSignal): Promise<EngineContainerInfo> {
    let answer: Uint8Array;
    try {
      answer = await this.#call(CONTAINER_STATUS, id, signal);
    } catch (e) {
      if (!(e instanceof ContainerRuntimeError) || e.code !== 'RUNTIME_NOT_FOUND') throw e;
      return this.#inspectSandbox(id, e, signal);
    }
    const { info, sandboxId } = this.#decode(CONTAINER_STATUS, id, () => this.#parse(new ProtoMessage(answer), id));
    if (sandboxId) {
      try {
        const sandbox = await this.#sandboxStatus(sandboxId, id, signal);
        setPodNetwork(info, sandbox.status, sandbox.root);
      } catch {
        // As libsinsp: the container's own metadata stands without its pod's address.
      }
    }
    return info;
  }

  /** A pod sandbox (libsinsp's fallback when ContainerStatus fails), or the container's not-found error when it is none. */
  async #inspectSandbox(id: string, notFound: ContainerRuntimeError, signal?: AbortSignal): Promise<EngineContainerInfo> {
    let sandbox: { status: ProtoMessage; root: unknown };
    try {
      sandbox = await this.#sandboxStatus(id, id, signal);
    } catch (e) {
      if (e instanceof ContainerRuntimeError && e.code === 'RUNTIME_NOT_FOUND') {
        throw this.#error('RUNTIME_NOT_FOUND', `neither a container nor a pod sandbox: ${notFound.message}; ${e.message}`, id, notFound.status, notFound);
      }
      throw e;
    }
    const { status, root } = sandbox;
    const fullId = status.string(F.sandbox.id);
    const metadata = status.message(F.sandbox.metadata);
    const labels = cappedLabels(status.stringMap(F.sandbox.labels));
    // libsinsp names the pod in the sandbox's labels from its metadata, and the sandbox by its own id.
    const pod = { uid: F.sandboxMetadata.uid, name: F.sandboxMetadata.name, namespace: F.sandboxMetadata.namespace };
    for (const [key, field] of Object.entries(pod)) {
      const v = metadata?.string(field);
      if (v) labels[`io.kubernetes.pod.${key}`] = v;
    }
    if (fullId) labels[SANDBOX_LABEL] = fullId;
    const info: EngineContainerInfo = {
      id,
      full_id: fullId,
      type: CONTAINER_TYPE[this.runtime],
      name: metadata?.string(F.sandboxMetadata.name) ?? '',
      // A sandbox runs no image of the pod's.
      image: '',
      imageid: '',
      imagerepo: '',
      imagetag: '',
      imagedigest: '',
      privileged: false,
      is_pod_sandbox: true,
      created_time: Number(status.int64(F.sandbox.createdAt) / 1_000_000_000n),
      ip: '0.0.0.0',
      labels,
      Mounts: [],
      User: '',
      lookup_state: LOOKUP_SUCCESSFUL,
    };
    setPodNetwork(info, status, root);
    return info;
  }

  /** A verbose PodSandboxStatus: the status and the info's JSON (undefined when absent or not JSON). */
  async #sandboxStatus(sandboxId: string, id: string, signal?: AbortSignal): Promise<{ status: ProtoMessage; root: unknown }> {
    const answer = await this.#call(POD_SANDBOX_STATUS, sandboxId, signal, id);
    return this.#decode(POD_SANDBOX_STATUS, id, () => {
      const response = new ProtoMessage(answer);
      const status = response.message(F.response.status);
      if (!status) throw this.#error('RUNTIME_BAD_RESPONSE', 'the answer to PodSandboxStatus has no status', id);
      return { status, root: infoRoot(response) };
    });
  }

  /** One verbose call of `path` about `target` (a container's or a sandbox's id); errors name the container looked up. */
  #call(path: string, target: string, signal: AbortSignal | undefined, id = target): Promise<Uint8Array> {
    return grpcUnary({
      socket: this.socket,
      path,
      request: new ProtoWriter().string(F.request.id, target).bool(F.request.verbose, true).finish(),
      timeoutMs: this.timeoutMs,
      signal,
      error: (code, message, status, cause) => this.#error(code, message, id, status, cause),
    });
  }

  /** Reads an answer with `read`; what is not a ContainerRuntimeError (a protobuf error) becomes RUNTIME_BAD_RESPONSE. */
  #decode<T>(path: string, id: string, read: () => T): T {
    try {
      return read();
    } catch (e) {
      if (e instanceof ContainerRuntimeError) throw e;
      const method = path.slice(path.lastIndexOf('/') + 1);
      throw this.#error('RUNTIME_BAD_RESPONSE', `the answer to ${method} is not one: ${(e as Error).message}`, id, undefined, e);
    }
  }

  #parse(response: ProtoMessage, id: string): { info: EngineContainerInfo; sandboxId: string | undefined } {
    const status = response.message(F.response.status);
    if (!status) throw this.#error('RUNTIME_BAD_RESPONSE', 'the answer to ContainerStatus has no status', id);
    const root = infoRoot(response);
    const labels = cappedLabels(status.stringMap(F.status.labels));
    const sandbox = dig(root, 'sandboxID');
    // libsinsp's label for the pod sandbox, kept for backward compatibility there.
    if (typeof sandbox === 'string') labels[SANDBOX_LABEL] = sandbox;
    const uid = dig(root, 'runtimeSpec', 'process', 'user', 'uid');
    const info: EngineContainerInfo = {
      id,
      full_id: status.string(F.status.id),
      type: CONTAINER_TYPE[this.runtime],
      name: labels['io.kubernetes.container.name'] || status.message(F.status.metadata)?.string(F.metadata.name) || '',
      image: '',
      imageid: imageId(root, status.string(F.status.imageRef)),
      imagerepo: '',
      imagetag: '',
      imagedigest: '',
      privileged: privileged(root),
      is_pod_sandbox: false,
      created_time: Number(status.int64(F.status.createdAt) / 1_000_000_000n),
      // The pod's address, which PodSandboxStatus tells.
      ip: '0.0.0.0',
      labels,
      Mounts: status.messages(F.status.mounts).map(mount),
      User: Number.isInteger(uid) ? String(uid) : '',
      lookup_state: LOOKUP_SUCCESSFUL,
    };
    setImage(info, status.message(F.status.image)?.string(F.imageSpec.image) ?? '', status.string(F.status.imageRef), root);
    return { info, sandboxId: typeof sandbox === 'string' && sandbox !== '' ? sandbox : undefined };
  }

  #error(code: string, message: string, id: string, status?: number, cause?: unknown): ContainerRuntimeError {
    return new ContainerRuntimeError(code, message, this.runtime, id, status, cause === undefined ? undefined : { cause });
  }
}

/** The verbose `info` map's "info" JSON; undefined when absent or not JSON (libsinsp reads the status without it). */
function infoRoot(response: ProtoMessage): unknown {
  const json = response.stringMap(F.response.info).info;
  if (json === undefined) return undefined;
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

/** Labels no longer than libsinsp keeps. */
function cappedLabels(all: Record<string, string>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) if (v.length <= MAX_LABEL_LENGTH) labels[k] = v;
  return labels;
}

/**
 * libsinsp's parse_cri_pod_sandbox_network: the sandbox's primary address when
 * it is IPv4 and the pod has its own network namespace (0.0.0.0 otherwise),
 * and the CNI result the verbose info tells.
 */
function setPodNetwork(info: EngineContainerInfo, sandbox: ProtoMessage, root: unknown): void {
  const ip = sandbox.message(F.sandbox.network)?.string(F.sandboxNetwork.ip) ?? '';
  const netns = sandbox.message(F.sandbox.linux)?.message(F.sandboxLinux.namespaces)?.message(F.namespace.options)?.uint64(F.namespaceOption.network);
  info.ip = netns !== NAMESPACE_NODE && isIPv4(ip) ? ip : '0.0.0.0';
  const cni = cniResult(root);
  if (cni !== undefined) info.cniresult = cni;
}

/**
 * The pod's CNI result, as libsinsp keeps it: containerd's `cniResult.Interfaces`
 * without the loopback and the host-side veth interfaces, nor their `Mac` and
 * `Sandbox`, as compact JSON with sorted keys (jsoncpp's); else cri-o's
 * `io.kubernetes.cri-o.CNIResult` annotation, as it is. At most 4096 characters.
 */
function cniResult(root: unknown): string | undefined {
  let result: string | undefined;
  const interfaces = dig(root, 'cniResult', 'Interfaces');
  if (typeof interfaces === 'object' && interfaces !== null && !Array.isArray(interfaces)) {
    const kept: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(interfaces)) {
      if (name === 'lo' || name.startsWith('veth')) continue;
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
        const { Mac: _mac, Sandbox: _sandbox, ...rest } = v as Record<string, unknown>;
        kept[name] = rest;
      } else {
        kept[name] = v;
      }
    }
    result = sortedJson(kept);
  } else {
    const annotation = dig(root, 'runtimeSpec', 'annotations', 'io.kubernetes.cri-o.CNIResult');
    if (typeof annotation === 'string') result = annotation.endsWith('\n') ? annotation.slice(0, -1) : annotation;
  }
  return result?.slice(0, MAX_CNIRESULT_LENGTH);
}

/** Compact JSON with each object's keys in order. */
function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * libsinsp's parse_cri_image. `image_ref` is `sha256:<hex>` or
 * `<repository>@sha256:<hex>`: the digest, and in the second form the
 * image's name (the tag then comes from the status's image). An image named
 * by its id only takes its name from the runtime spec's annotations.
 */
function setImage(info: EngineContainerInfo, statusImage: string, imageRef: string, root: unknown): void {
  let name = statusImage;
  let tagFromStatus = false;
  const at = imageRef.indexOf('sha256:');
  const haveDigest = at === 0 || (at > 0 && imageRef[at - 1] === '@');
  if (at > 0 && haveDigest) {
    name = imageRef.slice(0, at - 1);
    tagFromStatus = true;
  }
  if (name === '' || name.startsWith('sha256')) {
    const annotations = dig(root, 'runtimeSpec', 'annotations');
    const named = ['io.kubernetes.cri.image-name', 'io.kubernetes.cri-o.Image', 'io.kubernetes.cri-o.ImageName']
      .map((k) => obj(annotations)[k])
      .find((v): v is string => typeof v === 'string');
    if (named !== undefined) {
      name = named;
      tagFromStatus = false;
    }
  }
  const ref = splitContainerImage(name);
  info.imagerepo = ref.repository;
  info.imagetag = ref.tag;
  if (tagFromStatus) {
    info.imagetag = splitContainerImage(statusImage).tag;
    name = `${name}:${info.imagetag}`;
  }
  info.image = name;
  info.imagedigest = haveDigest ? imageRef.slice(at) : ref.digest;
}

/**
 * The image id's hex: containerd tells it in the info's `config.image.image`;
 * otherwise an image_ref that is an id alone (`sha256:<hex>`, cri-o's form
 * for an image without a repository digest) is the id, which libsinsp's
 * ListImages call would also answer.
 */
function imageId(root: unknown, imageRef: string): string {
  const configured = dig(root, 'config', 'image', 'image');
  const id = typeof configured === 'string' ? configured : imageRef.startsWith('sha256:') ? imageRef : '';
  return id.slice(id.indexOf(':') + 1);
}

/** Where each runtime tells it, in libsinsp's order: old containerd, containerd, cri-o; false when none does. */
function privileged(root: unknown): boolean {
  for (const v of [
    dig(root, 'runtimeSpec', 'linux', 'security_context', 'privileged'),
    dig(root, 'config', 'linux', 'security_context', 'privileged'),
    dig(root, 'privileged'),
  ]) {
    if (typeof v === 'boolean') return v;
  }
  return false;
}

function mount(m: ProtoMessage): ContainerMount {
  return {
    Source: m.string(F.mount.hostPath),
    Destination: m.string(F.mount.containerPath),
    Mode: '',
    RW: !m.bool(F.mount.readonly),
    Propagation: PROPAGATION[Number(m.uint64(F.mount.propagation))] ?? 'unknown',
  };
}
