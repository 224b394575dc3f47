/**
 * What the container runtime clients' tests share: a rejection that must be a
 * ContainerRuntimeError, a thread in a container's cgroups, and lookups that
 * are closed after each test.
 */
import { expect } from 'vitest';
import { ContainerRuntimeError } from '../../lib/errors.js';
import type { ThreadRecord } from '../../lib/scapfile/metadata.js';
import { ContainerMetadataLookup } from '../../lib/state/runtimes/index.js';

export async function rejection(p: Promise<unknown>): Promise<ContainerRuntimeError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ContainerRuntimeError);
  return e as ContainerRuntimeError;
}

/** An nginx thread with these cgroups (`controller=path`), as a /proc scan records it. */
export function threadIn(tid: number, cgroups: string[]): ThreadRecord {
  return {
    tid, pid: tid, ptid: 1, sid: tid, vpgid: tid, pgid: tid, comm: 'nginx', exe: 'nginx', exepath: '/usr/sbin/nginx', args: [], cwd: '/',
    fdlimit: 1024n, flags: 0, uid: 101, gid: 101, vmsizeKb: 0, vmrssKb: 0, vmswapKb: 0, pfmajor: 0n, pfminor: 0n,
    env: [], vtid: 1, vpid: 1, cgroups, root: '/', pidnsInitStartTs: 0n, tty: 0,
    loginuid: -1, exeWritable: false, capInheritable: 0n, capPermitted: 0n, capEffective: 0n, exeUpperLayer: false,
    exeLowerLayer: false, exeIno: 0n, exeInoCtime: 0n, exeInoMtime: 0n, exeFromMemfd: false,
  };
}

const open: ContainerMetadataLookup[] = [];

/** A lookup that closeLookups() closes. */
export function lookupOf(...args: ConstructorParameters<typeof ContainerMetadataLookup>): ContainerMetadataLookup {
  const l = new ContainerMetadataLookup(...args);
  open.push(l);
  return l;
}

export function closeLookups(): void {
  for (const l of open.splice(0)) l.close();
}
