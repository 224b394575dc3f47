/**
 * Container metadata from the Docker Engine API over its unix socket, as
 * libsinsp's docker engine reads it (docker/async_source.cpp): `GET
 * /containers/<id>/json`, then, when the image name leaves the image's id,
 * tag or digest unknown, `GET /images/<id>/json` (docker) or `GET
 * /images/json` (podman, whose containers name their image rather than its
 * id). Podman's Docker-compatible API answers the same requests.
 *
 * The result has the keys of libsinsp's container JSON (`name`, `image`,
 * `imageid`, `imagerepo`, ...), so it is stored and written as a container
 * event would be.
 */
import { get as httpGet } from 'node:http';
import { isIPv4 } from 'node:net';
import { ContainerRuntimeError } from '../../errors.js';
import { CONTAINER_TYPE, LOOKUP_SUCCESSFUL, MAX_LABEL_LENGTH, type ContainerInfo, type ContainerMount } from '../containers.js';
import { splitContainerImage } from './image.js';
import { obj, str, strings, type Json } from './json.js';
import type { ContainerRuntimeClient } from './lookup.js';

export const DOCKER_SOCKET = '/var/run/docker.sock';
export const PODMAN_SOCKET = '/run/podman/podman.sock';
/** libsinsp's curl timeout for one request. */
export const DEFAULT_RUNTIME_TIMEOUT_MS = 5000;
/** The API version libsinsp asks for; an engine that refuses it (400) is asked without a version from then on. */
const API_VERSION_PREFIX = '/v1.24';
/** An answer larger than this is not a container's or an image list's. */
const MAX_RESPONSE_BYTES = 16 << 20;

export interface DockerEngineOptions {
  /** Path of the API's unix socket. */
  socket: string;
  /** Which engine listens there: names it in errors and sets the container type (default 'docker'). */
  runtime?: 'docker' | 'podman';
  /** A rootless podman's: the uid that runs it (its containers get libsinsp's `podman_owner_uid` label). */
  owner?: number;
  /** Longest wait for one answer, in ms (default 5000). */
  timeoutMs?: number;
}

/** A container's metadata as a runtime's API tells it (Docker Engine, CRI): libsinsp's container JSON keys. */
export interface EngineContainerInfo extends ContainerInfo {
  full_id: string;
  imageid: string;
  imagerepo: string;
  imagetag: string;
  imagedigest: string;
  privileged: boolean;
  is_pod_sandbox: boolean;
  /** Seconds since the epoch. */
  created_time: number;
  /** IPv4, 0.0.0.0 when unknown. */
  ip: string;
  labels: Record<string, string>;
  Mounts: ContainerMount[];
  User: string;
  lookup_state: number;
}


export class DockerEngineClient implements ContainerRuntimeClient {
  readonly socket: string;
  readonly runtime: 'docker' | 'podman';
  /** For a rootless podman's API: the uid that runs it. */
  readonly owner: number | undefined;
  readonly timeoutMs: number;
  #apiPrefix = API_VERSION_PREFIX;

  constructor(options: DockerEngineOptions) {
    this.socket = options.socket;
    this.runtime = options.runtime ?? 'docker';
    this.owner = options.owner;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_RUNTIME_TIMEOUT_MS;
  }

  /** The container's metadata (`id`: as cgroups name it, the first 12 hex digits will do). */
  async inspect(id: string, signal?: AbortSignal): Promise<EngineContainerInfo> {
    const root = await this.#getJson(`/containers/${encodeURIComponent(id)}/json`, id, signal);
    if (typeof root.Id !== 'string') throw this.#error('RUNTIME_BAD_RESPONSE', 'the answer is not a container (no Id)', id);
    const config = obj(root.Config);
    const hostConfig = obj(root.HostConfig);
    const name = str(root.Name).replace(/^\//, '');
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj(config.Labels))) if (typeof v === 'string' && v.length <= MAX_LABEL_LENGTH) labels[k] = v;
    // libsinsp names a rootless podman container's owner in this label, and drops it for root's.
    if (this.runtime === 'podman') {
      if (this.owner === undefined) delete labels.podman_owner_uid;
      else labels.podman_owner_uid = String(this.owner);
    }
    const created = Date.parse(str(root.Created));
    const info: EngineContainerInfo = {
      id,
      full_id: root.Id,
      type: CONTAINER_TYPE[this.runtime],
      name,
      image: str(config.Image),
      imageid: '',
      imagerepo: '',
      imagetag: '',
      imagedigest: '',
      privileged: hostConfig.Privileged === true,
      is_pod_sandbox: name.startsWith('k8s_POD'),
      created_time: Number.isNaN(created) ? 0 : Math.floor(created / 1000),
      ip: (await this.#ip(root, id, signal)) || '0.0.0.0',
      labels,
      Mounts: mounts(root.Mounts),
      User: str(config.User),
      lookup_state: LOOKUP_SUCCESSFUL,
    };
    await this.#imageInfo(info, str(root.Image), id, signal);
    return info;
  }

  /**
   * libsinsp's get_image_info. Docker's `Image` is the image id
   * (`sha256:<hex>`, kept as the hex); podman's is the image's name (it
   * has a '/'), which is then split instead of the container's `Config.Image`.
   */
  async #imageInfo(info: EngineContainerInfo, imageField: string, id: string, signal: AbortSignal | undefined): Promise<void> {
    if (imageField.includes('/')) {
      setImageName(info, imageField);
      if (info.imagetag === '') info.imagetag = 'latest';
      await this.#imageFromList(info, id, signal);
      return;
    }
    const colon = imageField.indexOf(':');
    if (colon >= 0) info.imageid = imageField.slice(colon + 1);
    const image = info.image;
    // `docker run <image id or a prefix of it>`: the name says nothing, the image does.
    const runById = info.imageid.startsWith(image) || imageField.startsWith(image);
    if (!runById) setImageName(info, image);
    if (info.imageid !== '' && (runById || info.imagedigest === '' || info.imagetag === '')) {
      const img = await this.#getJson(`/images/${encodeURIComponent(info.imageid)}/json?digests=1`, id, signal).catch(() => undefined);
      if (img) applyImage(info, img);
    }
    if (info.imagetag === '') info.imagetag = 'latest';
  }

  /** Podman: the image whose names include the container's `repo:tag` (libsinsp's fetch_image_info_from_list). */
  async #imageFromList(info: EngineContainerInfo, id: string, signal: AbortSignal | undefined): Promise<void> {
    // Some podman versions answer ?digests=1 with an empty 200: the plain list then.
    const list =
      (await this.#getList('/images/json?digests=1', id, signal)) ?? (await this.#getList('/images/json', id, signal));
    const wanted = `${info.imagerepo}:${info.imagetag}`;
    const img = list?.map(obj).find((i) => strings(i.Names).includes(wanted));
    if (!img) return;
    const imageId = str(img.Id);
    info.imageid = imageId.slice(imageId.indexOf(':') + 1);
    applyImage(info, img);
  }

  async #getList(path: string, id: string, signal: AbortSignal | undefined): Promise<unknown[] | undefined> {
    const r = await this.#get(this.#apiPrefix + path, id, signal).catch(() => undefined);
    if (!r || r.status !== 200) return undefined;
    try {
      const v: unknown = JSON.parse(r.body);
      return Array.isArray(v) ? v : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The container's IPv4 address: `NetworkSettings.IPAddress`, else (newer
   * API versions leave it empty) its first network's, else, for a container
   * sharing another's network (`NetworkMode: container:<id>`, as Kubernetes
   * pods do), that container's.
   */
  async #ip(root: Json, id: string, signal: AbortSignal | undefined): Promise<string> {
    const own = ipOf(root);
    if (own) return own;
    const mode = str(obj(root.HostConfig).NetworkMode);
    if (!mode.startsWith('container:')) return '';
    const peer = await this.#getJson(`/containers/${encodeURIComponent(mode.slice('container:'.length))}/json`, id, signal).catch(() => undefined);
    return peer ? ipOf(peer) : '';
  }

  async #getJson(path: string, id: string, signal: AbortSignal | undefined): Promise<Json> {
    let r = await this.#get(this.#apiPrefix + path, id, signal);
    if (r.status === 400 && this.#apiPrefix !== '') {
      this.#apiPrefix = '';
      r = await this.#get(path, id, signal);
    }
    if (r.status === 404) throw this.#error('RUNTIME_NOT_FOUND', `no such container or image (${path})`, id, 404);
    if (r.status !== 200) throw this.#error('RUNTIME_HTTP', `HTTP ${r.status} for ${path}: ${r.body.slice(0, 200)}`, id, r.status);
    let v: unknown;
    try {
      v = JSON.parse(r.body);
    } catch (e) {
      throw this.#error('RUNTIME_BAD_RESPONSE', `the answer to ${path} is not JSON`, id, r.status, e);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw this.#error('RUNTIME_BAD_RESPONSE', `the answer to ${path} is not a JSON object`, id, r.status);
    return v as Json;
  }

  /** One GET over the socket: its status and body, or a ContainerRuntimeError. */
  #get(path: string, id: string, signal: AbortSignal | undefined): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (f: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        f();
      };
      const fail = (e: unknown) => settle(() => reject(this.#wrap(e, id)));
      // No keep-alive: a lookup is made once per container, and an idle pooled socket would hold the process.
      const req = httpGet({ socketPath: this.socket, path, headers: { host: 'localhost', accept: 'application/json' }, agent: false, signal }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_RESPONSE_BYTES) chunks.push(c);
          else {
            fail(this.#error('RUNTIME_BAD_RESPONSE', `the answer to ${path} is over ${MAX_RESPONSE_BYTES} bytes`, id, res.statusCode));
            req.destroy();
          }
        });
        res.on('end', () => settle(() => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') })));
        res.on('error', fail);
        res.on('close', () => fail(this.#error('RUNTIME_UNREACHABLE', `the connection closed before the answer to ${path} ended`, id)));
      });
      const timer = setTimeout(() => {
        fail(this.#error('RUNTIME_TIMEOUT', `no answer to ${path} within ${this.timeoutMs} ms`, id));
        req.destroy();
      }, this.timeoutMs);
      req.on('error', fail);
    });
  }

  #error(code: string, message: string, id: string, status?: number, cause?: unknown): ContainerRuntimeError {
    return new ContainerRuntimeError(code, message, this.runtime, id, status, cause === undefined ? undefined : { cause });
  }

  #wrap(e: unknown, id: string): ContainerRuntimeError {
    if (e instanceof ContainerRuntimeError) return e;
    const err = e as NodeJS.ErrnoException;
    if (err?.name === 'AbortError') return this.#error('RUNTIME_ABORTED', 'lookup cancelled', id, undefined, e);
    return this.#error('RUNTIME_UNREACHABLE', `${this.socket}: ${err?.code ?? err?.message ?? String(e)}`, id, undefined, e);
  }
}

/** Repository, tag and digest from an image name, libsinsp's way. */
function setImageName(info: EngineContainerInfo, image: string): void {
  const ref = splitContainerImage(image);
  info.imagerepo = ref.repository;
  info.imagetag = ref.tag;
  info.imagedigest = ref.digest;
}

/**
 * What an image's inspect or list entry adds (libsinsp's parse_image_info):
 * podman's `Digest`, else the digest of the `RepoDigests` entry of the
 * container's repository (or the only digest there is), and the repository
 * and tag of `RepoTags` when the image name gave none. Unlike libsinsp, a tag
 * or digest the name gave is kept: the first matching `RepoTags` entry is
 * not always the tag the container was started with.
 */
function applyImage(info: EngineContainerInfo, img: Json): void {
  if (info.imagedigest === '') {
    if (typeof img.Digest === 'string') info.imagedigest = img.Digest;
    else {
      const digests = new Set<string>();
      for (const rd of strings(img.RepoDigests)) {
        const at = rd.indexOf('@');
        const digest = rd.slice(at + 1);
        digests.add(digest);
        if (info.imagerepo === '') info.imagerepo = rd.slice(0, at < 0 ? undefined : at);
        if (rd.includes(info.imagerepo)) {
          info.imagedigest = digest;
          break;
        }
      }
      if (info.imagedigest === '' && digests.size === 1) info.imagedigest = [...digests][0];
    }
  }
  if (info.imagetag !== '') return;
  for (const rt of strings(img.RepoTags)) {
    const colon = rt.lastIndexOf(':');
    if (info.imagerepo === '') info.imagerepo = rt.slice(0, colon < 0 ? undefined : colon);
    if (rt.includes(info.imagerepo)) {
      info.imagetag = rt.slice(colon + 1);
      break;
    }
  }
}

function ipOf(root: Json): string {
  const net = obj(root.NetworkSettings);
  const candidates = [net.IPAddress, ...Object.values(obj(net.Networks)).map((n) => obj(n).IPAddress)];
  for (const c of candidates) if (typeof c === 'string' && isIPv4(c)) return c;
  return '';
}

function mounts(v: unknown): ContainerMount[] {
  if (!Array.isArray(v)) return [];
  return v.map((m) => {
    const o = obj(m);
    return { Source: str(o.Source), Destination: str(o.Destination), Mode: str(o.Mode), RW: o.RW === true, Propagation: str(o.Propagation) };
  });
}
