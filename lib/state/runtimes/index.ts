/** Container runtime clients and the lookups live captures make with them. */
import type { ContainerInfo } from '../containers.js';
import { CONTAINERD_SOCKET, CRIO_SOCKET, CriClient } from './cri.js';
import { DOCKER_SOCKET, DockerEngineClient, PODMAN_SOCKET } from './docker.js';
import { ContainerMetadataLookup, type ContainerLookupOptions, type ContainerRuntimeClients } from './lookup.js';

export { CriClient, CONTAINERD_SOCKET, CRIO_SOCKET, type CriOptions } from './cri.js';
export { DockerEngineClient, DOCKER_SOCKET, PODMAN_SOCKET, DEFAULT_RUNTIME_TIMEOUT_MS, type DockerEngineOptions, type EngineContainerInfo } from './docker.js';
export { ContainerMetadataLookup, type ContainerLookupOptions, type ContainerLookupStats, type ContainerRuntimeClient, type ContainerRuntimeClients } from './lookup.js';
export { splitContainerImage, type ImageReference } from './image.js';

/** Which runtimes a live capture asks for container metadata, and how. */
export interface ContainerRuntimesOptions extends ContainerLookupOptions {
  /** Docker containers: the Engine API's socket (default /var/run/docker.sock); false: not asked. */
  docker?: { socket?: string } | false;
  /**
   * Podman containers: its Docker-compatible API's socket for root's (default
   * /run/podman/podman.sock), and `userSocket` for a rootless one's owner
   * (default /run/user/<uid>/podman/podman.sock; false: rootless containers
   * are not asked); false: not asked.
   */
  podman?: { socket?: string; userSocket?: ((uid: number) => string) | false } | false;
  /** containerd containers (Kubernetes'): its CRI socket (default /run/containerd/containerd.sock; k3s: /run/k3s/containerd/containerd.sock); false: not asked. */
  containerd?: { socket?: string } | false;
  /** cri-o containers: its CRI socket (default /run/crio/crio.sock); false: not asked. */
  crio?: { socket?: string } | false;
  /** Longest wait for one answer, in ms (default 5000, libsinsp's). */
  timeoutMs?: number;
}

/** Where a user's rootless podman serves its API (systemd's podman.socket unit for the user). */
const podmanUserSocket = (uid: number): string => `/run/user/${uid}/podman/podman.sock`;

/** The lookups for these options, handing each result to `onResult`. */
export function containerLookupFor(options: ContainerRuntimesOptions, onResult: (info: ContainerInfo) => void): ContainerMetadataLookup {
  const { docker = {}, podman = {}, containerd = {}, crio = {}, timeoutMs } = options;
  const clients: ContainerRuntimeClients = {};
  if (docker) clients.docker = new DockerEngineClient({ socket: docker.socket ?? DOCKER_SOCKET, runtime: 'docker', timeoutMs });
  if (podman) clients.podman = new DockerEngineClient({ socket: podman.socket ?? PODMAN_SOCKET, runtime: 'podman', timeoutMs });
  const userSocket = podman ? (podman.userSocket ?? podmanUserSocket) : false;
  if (userSocket) {
    const byUid = new Map<number, DockerEngineClient>();
    clients.rootlessPodman = (uid) => {
      let c = byUid.get(uid);
      if (!c) byUid.set(uid, (c = new DockerEngineClient({ socket: userSocket(uid), runtime: 'podman', owner: uid, timeoutMs })));
      return c;
    };
  }
  if (containerd) clients.containerd = new CriClient({ socket: containerd.socket ?? CONTAINERD_SOCKET, runtime: 'containerd', timeoutMs });
  if (crio) clients.crio = new CriClient({ socket: crio.socket ?? CRIO_SOCKET, runtime: 'crio', timeoutMs });
  return new ContainerMetadataLookup(clients, onResult, options);
}
