/** What a live capture's Inspector needs from the machine: threads it meets for the first time, read from /proc. */
import { readFileSync } from 'node:fs';
import { readFds, readThread } from '../sources/procfs.js';
import type { FdRecord, ThreadRecord } from '../scapfile/metadata.js';

/** A `lookupThread` for the Inspector: reads /proc/<tid> (thread and fds), or undefined when it is gone. */
export function procThreadLookup(proc = '/proc'): (tid: number) => { thread: ThreadRecord; fds: FdRecord[] } | undefined {
  return (tid) => {
    if (tid <= 0) return undefined;
    let status: string;
    try {
      status = readFileSync(`${proc}/${tid}/status`, 'utf8');
    } catch {
      return undefined;
    }
    const m = /^Tgid:\s*(\d+)/m.exec(status);
    if (!m) return undefined;
    const pid = Number(m[1]);
    const thread = readThread(proc, pid, tid);
    if (!thread) return undefined;
    let fds: FdRecord[] = [];
    if (pid === tid) {
      try {
        fds = readFds(proc, pid, new Map());
      } catch {
        fds = [];
      }
    }
    return { thread, fds };
  };
}
