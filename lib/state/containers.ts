/**
 * Container ids from cgroup paths, with the patterns libsinsp's container
 * engines match: docker (`/<64 hex>`, `/docker-<64 hex>.scope`), podman
 * (`/libpod-<64 hex>.scope`), containerd and CRI
 * (`/cri-containerd-<64 hex>.scope`, `:cri-containerd:<64 hex>`), cri-o
 * (`/crio-<64 hex>`, `/crio-<64 hex>.scope`), lxc (`/lxc/<name>`,
 * `/lxc.payload/<name>`). Hex ids are reported by their first 12 characters.
 * A thread that matches none runs on the host (`container.id` = 'host').
 * Names, images and the rest come from container events, or, on live
 * captures, from the runtimes' APIs (./runtimes).
 */

import { encodeEvent } from '../events/encode.js';
import { PPME } from '../events/schema.generated.js';

/** The runtime a cgroup layout reveals: containerd's and cri-o's have their own (both speak CRI). */
export type ContainerRuntime = 'docker' | 'podman' | 'containerd' | 'crio' | 'lxc';

/** libsinsp's container type codes for the runtimes cgroups reveal (CT_CONTAINERD, CT_CRIO: what its cri engine sets for them). */
export const CONTAINER_TYPE = { docker: 0, lxc: 1, containerd: 7, crio: 8, podman: 11 } as const;

/** libsinsp's lookup state of a container whose runtime told its metadata, as container JSON events carry it (`lookup_state`). */
export const LOOKUP_SUCCESSFUL = 1;

/** libsinsp keeps no container label value longer than this. */
export const MAX_LABEL_LENGTH = 100;

export interface ContainerMatch {
  id: string;
  runtime: ContainerRuntime;
  /** A rootless podman container's owner: the uid of the systemd user manager (`user@<uid>.service`) its cgroup is under. */
  owner?: number;
}

const USER_MANAGER = /\/user@(\d+)\.service\//;

const LAYOUTS: ReadonlyArray<readonly [ContainerRuntime, string, string]> = [
  ['docker', '/', ''],
  ['docker', '/docker-', '.scope'],
  ['podman', '/libpod-', '.scope'],
  ['crio', '/crio-', ''],
  ['containerd', '/cri-containerd-', '.scope'],
  ['crio', '/crio-', '.scope'],
  ['containerd', ':cri-containerd:', ''],
];

const HEX = /^[0-9a-fA-F]{64}$/;

function matchOne(cgroup: string, prefix: string, suffix: string): string | undefined {
  const start = cgroup.lastIndexOf(prefix);
  if (start < 0) return undefined;
  const s = start + prefix.length;
  const end = suffix === '' ? cgroup.length : cgroup.lastIndexOf(suffix);
  if (end < 0 || end - s !== 64) return undefined;
  const id = cgroup.slice(s, end);
  return HEX.test(id) ? id.slice(0, 12) : undefined;
}

/** The container a thread with these cgroups runs in, or undefined on the host. */
export function containerFromCgroups(cgroups: readonly (readonly [string, string])[]): ContainerMatch | undefined {
  for (const [runtime, prefix, suffix] of LAYOUTS) {
    for (const [, path] of cgroups) {
      const id = matchOne(path, prefix, suffix);
      if (!id) continue;
      const owner = runtime === 'podman' ? USER_MANAGER.exec(path)?.[1] : undefined;
      // uid 0's user manager runs root's podman, which answers on the system socket.
      return owner !== undefined && owner !== '0' ? { id, runtime, owner: Number(owner) } : { id, runtime };
    }
  }
  for (const [, path] of cgroups) {
    for (const marker of ['/lxc/', '/lxc.payload/']) {
      const p = path.indexOf(marker);
      if (p >= 0) {
        const s = p + marker.length;
        const e = path.indexOf('/', s);
        return { id: path.slice(s, e < 0 ? undefined : e), runtime: 'lxc' };
      }
    }
  }
  return undefined;
}

/**
 * What a container event (or a runtime) told us about a container, with the
 * keys of libsinsp's container JSON (`imageid`, `imagerepo`, `ip`, `labels`,
 * `Mounts`, `lookup_state`...).
 */
export interface ContainerInfo {
  id: string;
  type: number;
  name: string;
  image: string;
  [key: string]: unknown;
}

/** One entry of a container's `Mounts`, as libsinsp's container JSON has it. */
export interface ContainerMount {
  Source: string;
  Destination: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

/**
 * The event libsinsp emits when a runtime lookup completes: a
 * PPME_CONTAINER_JSON_2_E, without a thread (tid -1), whose parser stores the
 * container. Written to a capture file, it gives replays the metadata too.
 */
export function containerJsonEvent(info: ContainerInfo, ts: bigint): Uint8Array {
  return encodeEvent({ type: PPME.CONTAINER_JSON_2_E, ts, tid: -1, params: [JSON.stringify({ container: info })] });
}

/** Containers announced by container events, by id. */
export class ContainerTable {
  readonly map = new Map<string, ContainerInfo>();
  add(c: ContainerInfo): void {
    this.map.set(c.id, c);
  }
  get(id: string): ContainerInfo | undefined {
    return this.map.get(id);
  }
}
