/**
 * Container metadata from a CRI runtime (the Kubernetes Container Runtime
 * Interface, runtime.v1: containerd, cri-o) over its gRPC unix socket, as
 * libsinsp's cri engine reads it (cri.hpp): one verbose `ContainerStatus`
 * call. The status gives the name, image, labels, mounts and creation time;
 * the verbose `info` map's "info" JSON, which each runtime fills its own way,
 * gives the image id (containerd), the user and whether the container is
 * privileged. libsinsp's further calls (ListImages for an image id the
 * answer lacks, PodSandboxStatus for the pod's IP) are not made.
 */
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

/** Field numbers of runtime.v1's api.proto. */
const F = {
  request: { containerId: 1, verbose: 2 },
  response: { status: 1, info: 2 },
  status: { id: 1, metadata: 2, createdAt: 4, image: 8, imageRef: 9, labels: 12, mounts: 14 },
  metadata: { name: 1 },
  imageSpec: { image: 1 },
  mount: { containerPath: 1, hostPath: 2, readonly: 3, propagation: 5 },
} as const;

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

  /** The container's metadata (`id`: as cgroups name it; CRI runtimes take an id's prefix). */
  async inspect(id: string, signal?: AbortSignal): Promise<EngineContainerInfo> {
    const answer = await grpcUnary({
      socket: this.socket,
      path: CONTAINER_STATUS,
      request: new ProtoWriter().string(F.request.containerId, id).bool(F.request.verbose, true).finish(),
      timeoutMs: this.timeoutMs,
      signal,
      error: (code, message, status, cause) => this.#error(code, message, id, status, cause),
    });
    try {
      return this.#parse(new ProtoMessage(answer), id);
    } catch (e) {
      if (e instanceof ContainerRuntimeError) throw e;
      throw this.#error('RUNTIME_BAD_RESPONSE', `the answer to ContainerStatus is not one: ${(e as Error).message}`, id, undefined, e);
    }
  }

  #parse(response: ProtoMessage, id: string): EngineContainerInfo {
    const status = response.message(F.response.status);
    if (!status) throw this.#error('RUNTIME_BAD_RESPONSE', 'the answer to ContainerStatus has no status', id);
    const infoJson = response.stringMap(F.response.info).info;
    let root: unknown;
    if (infoJson !== undefined) {
      try {
        root = JSON.parse(infoJson);
      } catch {
        // libsinsp reads what the status says without it.
      }
    }
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(status.stringMap(F.status.labels))) if (v.length <= MAX_LABEL_LENGTH) labels[k] = v;
    const sandbox = dig(root, 'sandboxID');
    // libsinsp's label for the pod sandbox, kept for backward compatibility there.
    if (typeof sandbox === 'string') labels['io.kubernetes.sandbox.id'] = sandbox;
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
      // The pod's address is PodSandboxStatus's, which is not asked for.
      ip: '0.0.0.0',
      labels,
      Mounts: status.messages(F.status.mounts).map(mount),
      User: Number.isInteger(uid) ? String(uid) : '',
      lookup_state: LOOKUP_SUCCESSFUL,
    };
    setImage(info, status.message(F.status.image)?.string(F.imageSpec.image) ?? '', status.string(F.status.imageRef), root);
    return info;
  }

  #error(code: string, message: string, id: string, status?: number, cause?: unknown): ContainerRuntimeError {
    return new ContainerRuntimeError(code, message, this.runtime, id, status, cause === undefined ? undefined : { cause });
  }
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
