/**
 * container.* fields libsinsp has beyond name and image: the full id, mounts
 * (by index, by source glob, by destination glob for .source), start time and
 * duration from the pid namespace, ip and CNI result; each without a value on
 * the host or for a container not known yet, as libsinsp's filtercheck.
 */
import { describe, expect, it } from 'vitest';
import { EventBatch, PPME, encodeEvent } from '../../lib/events/index.js';
import '../../lib/fields/index.js';
import { EventFormatter } from '../../lib/format/index.js';
import { EventPipeline } from '../../lib/pipeline.js';
import { containerJsonEvent, type ContainerInfo } from '../../lib/state/containers.js';
import { threadIn } from '../helpers/runtime-lookups.js';

const FULL_ID = '3f2b8c1d9e7a4b6c5d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e';
const ID = FULL_ID.slice(0, 12);
const PIDNS_START = 1_700_000_000_000_000_000n;

const INFO: ContainerInfo = {
  id: ID, full_id: FULL_ID, type: 0, name: 'web', image: 'nginx:1.25', ip: '172.17.0.3',
  Mounts: [
    { Source: '/var/run/docker.sock', Destination: '/var/run/docker.sock', Mode: '', RW: true, Propagation: 'rprivate' },
    { Source: '/lib/modules', Destination: '/host/lib/modules', Mode: 'ro', RW: false, Propagation: 'rslave' },
  ],
};

let ts = PIDNS_START + 5_000_000_000n;
const getuid = (tid: number) => encodeEvent({ type: PPME.SYSCALL_GETUID_E, ts: (ts += 1000n), tid, params: {} });

/** Thread 100 in the container (its pid namespace started at PIDNS_START), 300 on the host, 400 in a container not announced. */
function pipeline(announce: ContainerInfo[]) {
  const inContainer = { ...threadIn(100, [`cpu=/docker/${FULL_ID}`]), pidnsInitStartTs: PIDNS_START };
  const p = new EventPipeline({ processes: [inContainer, threadIn(300, ['cpu=/user.slice']), threadIn(400, [`cpu=/docker/${'e'.repeat(64)}`])] });
  p.batch(EventBatch.fromEvents(announce.map((c) => containerJsonEvent(c, (ts += 1000n)))));
  const at = (tid: number) => p.batch(EventBatch.fromEvents([getuid(tid)])).at(0);
  return Object.assign(at, { thread: (tid: number) => p.inspector!.threads.map.get(tid)! });
}

describe('container.* fields', () => {
  it('full id, mounts, start and duration, ip and CNI result of a known container', () => {
    const at = pipeline([INFO]);
    // libsinsp gives a duration only for a thread whose start it knows (a /proc scan record carries none).
    expect(at(100).field('container.duration')).toBeNull();
    at.thread(100).cloneTs = PIDNS_START + 1n;
    const evt = at(100);
    const f = (n: string) => evt.field(n);
    expect(f('container.full_id')).toBe(FULL_ID);
    expect(f('container.mounts')).toBe('/var/run/docker.sock:/var/run/docker.sock::true:rprivate,/lib/modules:/host/lib/modules:ro:false:rslave');
    expect(f('container.mount[1]')).toBe('/lib/modules:/host/lib/modules:ro:false:rslave');
    expect(f('container.mount[2]')).toBeNull();
    expect(f('container.mount[/lib/*]')).toBe('/lib/modules:/host/lib/modules:ro:false:rslave');
    // Falco's sensitive-mount macros: the destination of a mount found by its source.
    expect(f('container.mount.dest[/var/run/docker.sock]')).toBe('/var/run/docker.sock');
    expect(f('container.mount.dest[/proc*]')).toBeNull();
    // .source looks mounts up by destination.
    expect(f('container.mount.source[/host/lib/*]')).toBe('/lib/modules');
    expect([f('container.mount.mode[1]'), f('container.mount.rdwr[0]'), f('container.mount.rdwr[/lib/modules]'), f('container.mount.propagation[1]')]).toEqual(['ro', 'true', 'false', 'rslave']);
    expect(f('container.start_ts')).toBe(PIDNS_START);
    expect(f('container.duration')).toBe(evt.ts - PIDNS_START);
    expect(f('container.ip')).toBe('172.17.0.3');
    expect(f('container.cni.json')).toBe('');
  });

  it('on the host: ids "host", the rest no value; a container known by its cgroups only: what libsinsp gives its bare entry', () => {
    const at = pipeline([INFO]);
    const host = at(300);
    expect([host.field('container.full_id'), host.field('container.mounts'), host.field('container.mount[0]'), host.field('container.start_ts'), host.field('container.ip')])
      .toEqual(['host', null, null, null, null]);
    // Its entry has an id and a type: no full id nor mount, an empty mount list, ip 0.0.0.0, an empty CNI result.
    const unknown = at(400);
    expect([unknown.field('container.full_id'), unknown.field('container.mounts'), unknown.field('container.mount.dest[0]'), unknown.field('container.ip'), unknown.field('container.cni.json')])
      .toEqual([null, '', null, '0.0.0.0', '']);
  });

  it('container.privileged only for the runtimes that tell it (not lxc)', () => {
    const LXC_ID = 'mybox';
    const lxc: ContainerInfo = { id: LXC_ID, type: 1, name: LXC_ID, image: '', privileged: true };
    const p = new EventPipeline({ processes: [{ ...threadIn(500, [`cpu=/lxc/${LXC_ID}`]) }, threadIn(100, [`cpu=/docker/${FULL_ID}`])] });
    p.batch(EventBatch.fromEvents([containerJsonEvent(lxc, (ts += 1000n)), containerJsonEvent({ ...INFO, privileged: true }, (ts += 1000n))]));
    const out = p.batch(EventBatch.fromEvents([getuid(500), getuid(100)]));
    expect([out.at(0).field('container.type'), out.at(0).field('container.privileged')]).toEqual(['lxc', null]);
    expect([out.at(1).field('container.type'), out.at(1).field('container.privileged')]).toEqual(['docker', true]);
  });

  it('in output formats, the bracket argument of each mount field is its own', () => {
    const evt = pipeline([INFO])(100);
    const f = new EventFormatter('%container.full_id %container.mount.dest[/var/run/docker.sock] %container.mount[1] %container.ip');
    expect(f.format(evt)).toBe(`${FULL_ID} /var/run/docker.sock /lib/modules:/host/lib/modules:ro:false:rslave 172.17.0.3`);
  });
});
