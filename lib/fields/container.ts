/**
 * container.* fields, as libsinsp's container filtercheck has them: the id
 * from the thread's cgroups, the rest from the container's entry (a container
 * event of the file, or a runtime lookup on live captures). libsinsp's health
 * and probe fields (`container.healthcheck`, `.liveness_probe`,
 * `.readiness_probe`) are not offered: no runtime client here reads probes.
 */
import type { ContainerInfo, ContainerMount } from '../state/containers.js';
import type { EventContext } from '../state/context.js';
import { compileGlob } from '../filter/glob.js';
import type { FieldSpec } from './registry.js';

/** libsinsp's container type names, by code. */
const CONTAINER_TYPES = ['docker', 'lxc', 'libvirt-lxc', 'mesos', 'rkt', 'custom', 'cri', 'containerd', 'cri-o', 'bpm', 'static', 'podman'];

/** The container types whose runtime tells whether a container is privileged (libsinsp's docker-compatible ones). */
const PRIVILEGE_KNOWN = new Set([0, 6, 7, 8, 11]);

/** The container entry of the event's thread (undefined on the host or when unknown). */
export function containerOf(c: EventContext | undefined): ContainerInfo | undefined {
  const t = c?.thread;
  if (!t || !c || !t.containerId) return undefined;
  return c.inspector.containers.get(t.containerId);
}

/** A text attribute of the thread's container (from its container event), no value when absent or empty. */
function attr(key: string) {
  return (_e: unknown, c: EventContext | undefined): string | null => {
    const v = containerOf(c)?.[key];
    return typeof v === 'string' && v !== '' ? v : null;
  };
}

/** The container's mounts, as its container JSON lists them (`Mounts`). */
function mountsOf(info: ContainerInfo): ContainerMount[] {
  return Array.isArray(info.Mounts) ? (info.Mounts as ContainerMount[]) : [];
}

/** libsinsp's text of a mount: `<source>:<dest>:<mode>:<rdwr>:<propagation>`. */
const mountText = (m: ContainerMount): string => `${m.Source}:${m.Destination}:${m.Mode}:${m.RW ? 'true' : 'false'}:${m.Propagation}`;

/** Compiled mount globs by argument: the arguments are those of the filters and formats in use, few. */
const MOUNT_GLOBS = new Map<string, RegExp>();

/**
 * The mount an argument names, as libsinsp finds it: a number is an index;
 * anything else a glob matched against each mount's source (its destination
 * for container.mount.source), the first match.
 */
function mountBy(info: ContainerInfo, arg: string, byDest: boolean): ContainerMount | undefined {
  const mounts = mountsOf(info);
  if (/^-?\d+$/.test(arg)) return mounts[Number(arg)];
  let glob = MOUNT_GLOBS.get(arg);
  if (!glob) MOUNT_GLOBS.set(arg, (glob = compileGlob(arg)));
  return mounts.find((m) => glob.test(byDest ? m.Destination : m.Source));
}

/** A container.mount.* field: one part of the mount its argument names. */
function mountPart(name: string, part: (m: ContainerMount) => string, desc: string): FieldSpec {
  const byDest = name === 'container.mount.source';
  return {
    name, type: 'string', arg: 'required', desc,
    extract: (_e, c, arg) => {
      const info = containerOf(c);
      const m = info && arg !== undefined ? mountBy(info, arg, byDest) : undefined;
      return m ? part(m) : null;
    },
  };
}

const fullId = attr('full_id');

export const CONTAINER_FIELDS: FieldSpec[] = [
  { name: 'container.id', type: 'string', desc: "container id ('host' outside containers)", extract: (_e, c) => { const t = c?.thread; return t ? t.containerId || 'host' : null; } },
  {
    name: 'container.full_id', type: 'string', desc: "the full container id, as the runtime gives it ('host' outside containers)",
    extract: (_e, c) => {
      const t = c?.thread;
      if (!t) return null;
      return t.containerId ? fullId(_e, c) : 'host';
    },
  },
  {
    name: 'container.name', type: 'string', desc: "container name ('host' outside containers)",
    extract: (_e, c) => {
      const t = c?.thread;
      if (!t || !c) return null;
      if (!t.containerId) return 'host';
      return c.inspector.containers.get(t.containerId)?.name || null;
    },
  },
  {
    name: 'container.image', type: 'string', desc: 'container image',
    extract: (_e, c) => { const t = c?.thread; if (!t || !c || !t.containerId) return null; return c.inspector.containers.get(t.containerId)?.image || null; },
  },
  { name: 'container.image.id', type: 'string', desc: 'the container image id (e.g. 6f7e2741b66b)', extract: attr('imageid') },
  {
    name: 'container.type', type: 'string', desc: 'the container type, eg: docker or rkt',
    extract: (_e, c) => {
      const t = c?.thread;
      if (!t || !c) return null;
      if (!t.containerId) return 'host';
      const info = c.inspector.containers.get(t.containerId);
      return info ? (CONTAINER_TYPES[info.type] ?? null) : null;
    },
  },
  {
    name: 'container.privileged', type: 'bool', desc: 'true for containers running as privileged, false otherwise',
    // As libsinsp: only for the runtimes whose answers say it (docker, cri, containerd, cri-o, podman).
    extract: (_e, c) => { const k = containerOf(c); return k && PRIVILEGE_KNOWN.has(k.type) ? k.privileged === true : null; },
  },
  {
    name: 'container.mounts', type: 'string', desc: 'the mounts, comma-separated, each <source>:<dest>:<mode>:<rdwr>:<propagation>',
    extract: (_e, c) => { const k = containerOf(c); return k ? mountsOf(k).map(mountText).join(',') : null; },
  },
  mountPart('container.mount', mountText, 'one mount, by number (container.mount[0]) or source glob (container.mount[/usr/local/*]): <source>:<dest>:<mode>:<rdwr>:<propagation>'),
  mountPart('container.mount.source', (m) => m.Source, 'the source of a mount, by number or destination glob (container.mount.source[/host/lib/modules])'),
  mountPart('container.mount.dest', (m) => m.Destination, 'the destination of a mount, by number or source glob (container.mount.dest[/var/run/docker.sock])'),
  mountPart('container.mount.mode', (m) => m.Mode, 'the mode of a mount, by number or source glob'),
  mountPart('container.mount.rdwr', (m) => (m.RW ? 'true' : 'false'), 'whether a mount is read-write, by number or source glob'),
  mountPart('container.mount.propagation', (m) => m.Propagation, 'the propagation of a mount, by number or source glob'),
  { name: 'container.image.repository', type: 'string', desc: 'the container image repository (e.g. falcosecurity/falco)', extract: attr('imagerepo') },
  { name: 'container.image.tag', type: 'string', desc: 'the container image tag (e.g. stable, latest)', extract: attr('imagetag') },
  { name: 'container.image.digest', type: 'string', desc: 'the container image registry digest', extract: attr('imagedigest') },
  {
    name: 'container.start_ts', type: 'uint64', format: 'dec', desc: "the container's start (epoch ns): its pid namespace's init start, from the kernel",
    extract: (_e, c) => { const t = c?.thread; return t?.containerId && t.pidnsInitStartTs !== 0n ? t.pidnsInitStartTs : null; },
  },
  {
    name: 'container.duration', type: 'reltime', format: 'dec', desc: 'nanoseconds since container.start_ts',
    extract: (e, c) => { const t = c?.thread; return t?.containerId && t.cloneTs !== 0n ? e.ts - t.pidnsInitStartTs : null; },
  },
  {
    name: 'container.ip', type: 'string', desc: "the container's (or its pod's) primary IPv4 address, from the runtime",
    extract: (_e, c) => { const k = containerOf(c); return k ? (typeof k.ip === 'string' && k.ip !== '' ? k.ip : '0.0.0.0') : null; },
  },
  {
    name: 'container.cni.json', type: 'string', desc: "the pod's CNI result, from the CRI runtime (JSON)",
    extract: (_e, c) => { const k = containerOf(c); return k ? (typeof k.cniresult === 'string' ? k.cniresult : '') : null; },
  },
];
