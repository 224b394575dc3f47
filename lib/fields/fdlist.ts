/** fdlist.* (the fds of poll events) and fs.path.* (the paths of file syscalls that make no fd). */
import type { Event } from '../events/event.js';
import { PPME } from '../events/schema.generated.js';
import { ipv6ToString } from '../events/values.js';
import type { EventContext } from '../state/context.js';
import { FD_TYPE, type FdInfo } from '../state/fds.js';
import { concatenatePaths } from '../state/strings.js';
import { paramName } from './params.js';
import type { FieldSpec } from './registry.js';

type Kind = 'nums' | 'names' | 'cips' | 'sips' | 'cports' | 'sports';

function ipv4(b: Uint8Array, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** One fd's entry in a list, or undefined when it has none (no comma either). */
function entry(kind: Kind, fd: number, fi: FdInfo | undefined): string | undefined {
  switch (kind) {
    case 'nums':
      return String(fd);
    case 'names':
      return fi && fi.name !== '' ? fi.name : '<NA>';
    case 'cips':
      if (fi?.sock) {
        if (fi.type === FD_TYPE.IPV4_SOCK) return ipv4(fi.sock.b, 0);
        if (fi.type === FD_TYPE.IPV6_SOCK) return ipv6ToString(fi.sock.b, 0);
      }
      return undefined;
    case 'sips':
      if (fi?.sock) {
        switch (fi.type) {
          case FD_TYPE.IPV4_SOCK: return ipv4(fi.sock.b, 4);
          case FD_TYPE.IPV4_SERVSOCK: return ipv4(fi.sock.b, 0);
          case FD_TYPE.IPV6_SOCK: return ipv6ToString(fi.sock.b, 16);
          case FD_TYPE.IPV6_SERVSOCK: return ipv6ToString(fi.sock.b, 0);
        }
      }
      return undefined;
    case 'cports':
      if (fi?.sock) {
        if (fi.type === FD_TYPE.IPV4_SOCK) return String(fi.sock.v4sport);
        if (fi.type === FD_TYPE.IPV6_SOCK) return String(fi.sock.v6sport);
      }
      return undefined;
    case 'sports':
      if (fi?.sock) {
        switch (fi.type) {
          case FD_TYPE.IPV4_SOCK: return String(fi.sock.v4dport);
          case FD_TYPE.IPV4_SERVSOCK: return String(fi.sock.s4port);
          case FD_TYPE.IPV6_SOCK: return String(fi.sock.v6dport);
          case FD_TYPE.IPV6_SERVSOCK: return String(fi.sock.s6port);
        }
      }
      return undefined;
  }
}

/** libsinsp's fdlist extractor: a comma-separated list over the `fds` parameter of poll/ppoll. */
function fdlist(e: Event, c: EventContext | undefined, kind: Kind): string | null {
  const type = e.type;
  let i: number;
  if (type === PPME.SYSCALL_POLL_E || type === PPME.SYSCALL_PPOLL_E) i = 0;
  else if (type === PPME.SYSCALL_POLL_X || type === PPME.SYSCALL_PPOLL_X) i = 1;
  else return null;
  const t = c?.thread;
  if (!t || i >= e.nparams) return null;
  const len = e.paramLength(i);
  if (len < 2) return null;
  const v = e.view;
  const o = e.paramOffset(i);
  const n = v.getUint16(o, true);
  const parts: string[] = [];
  for (let j = 0, pos = o + 2; j < n && pos + 10 <= o + len; j++, pos += 10) {
    const fd = Number(v.getBigInt64(pos, true));
    const s = entry(kind, fd, t.getFd(fd));
    if (s !== undefined) parts.push(s);
  }
  return parts.length ? parts.join(',') : null;
}

const list = (name: string, kind: Kind, desc: string): FieldSpec => ({ name, type: 'string', desc, extract: (e, c) => fdlist(e, c, kind) });

export const FDLIST_FIELDS: FieldSpec[] = [
  list('fdlist.nums', 'nums', "for poll events, this is a comma-separated list of the FD numbers in the 'fds' argument, returned as a string"),
  list('fdlist.names', 'names', "for poll events, this is a comma-separated list of the FD names in the 'fds' argument, returned as a string"),
  list('fdlist.cips', 'cips', "for poll events, this is a comma-separated list of the client IP addresses in the 'fds' argument, returned as a string"),
  list('fdlist.sips', 'sips', "for poll events, this is a comma-separated list of the server IP addresses in the 'fds' argument, returned as a string"),
  list('fdlist.cports', 'cports', "for TCP/UDP FDs, for poll events, this is a comma-separated list of the client TCP/UDP ports in the 'fds' argument, returned as a string"),
  list('fdlist.sports', 'sports', "for poll events, this is a comma-separated list of the server TCP/UDP ports in the 'fds' argument, returned as a string"),
];

// ---------------------------------------------------------------- fs.path.*

/** Where an event names a path: its dirfd parameter (undefined: relative to the cwd) and path parameter, or an fd parameter. */
type PathRef = { dirfd?: string; path: string } | { fd: string };

const NAME_REFS = new Map<number, PathRef>([
  [PPME.SYSCALL_MKDIR_2_X, { path: 'path' }],
  [PPME.SYSCALL_MKDIRAT_X, { dirfd: 'dirfd', path: 'path' }],
  [PPME.SYSCALL_RMDIR_2_X, { path: 'path' }],
  [PPME.SYSCALL_UNLINK_2_X, { path: 'path' }],
  [PPME.SYSCALL_UNLINKAT_2_X, { dirfd: 'dirfd', path: 'name' }],
  [PPME.SYSCALL_CHMOD_X, { path: 'filename' }],
  [PPME.SYSCALL_FCHMODAT_X, { dirfd: 'dirfd', path: 'filename' }],
  [PPME.SYSCALL_FCHMOD_X, { fd: 'fd' }],
  [PPME.SYSCALL_CHOWN_X, { path: 'path' }],
  [PPME.SYSCALL_LCHOWN_X, { path: 'path' }],
  [PPME.SYSCALL_FCHOWNAT_X, { dirfd: 'dirfd', path: 'pathname' }],
  [PPME.SYSCALL_FCHOWN_X, { fd: 'fd' }],
  [PPME.SYSCALL_MKNOD_X, { path: 'path' }],
  [PPME.SYSCALL_MKNODAT_X, { dirfd: 'dirfd', path: 'path' }],
]);

const SOURCE_REFS = new Map<number, PathRef>([
  [PPME.SYSCALL_RENAME_X, { path: 'oldpath' }],
  [PPME.SYSCALL_RENAMEAT_X, { dirfd: 'olddirfd', path: 'oldpath' }],
  [PPME.SYSCALL_RENAMEAT2_X, { dirfd: 'olddirfd', path: 'oldpath' }],
  [PPME.SYSCALL_LINK_2_X, { path: 'oldpath' }],
  [PPME.SYSCALL_LINKAT_2_X, { dirfd: 'olddir', path: 'oldpath' }],
  [PPME.SYSCALL_SYMLINK_X, { path: 'target' }],
  [PPME.SYSCALL_SYMLINKAT_X, { path: 'target' }],
]);

const TARGET_REFS = new Map<number, PathRef>([
  [PPME.SYSCALL_RENAME_X, { path: 'newpath' }],
  [PPME.SYSCALL_RENAMEAT_X, { dirfd: 'newdirfd', path: 'newpath' }],
  [PPME.SYSCALL_RENAMEAT2_X, { dirfd: 'newdirfd', path: 'newpath' }],
  [PPME.SYSCALL_LINK_2_X, { path: 'newpath' }],
  [PPME.SYSCALL_LINKAT_2_X, { dirfd: 'newdir', path: 'newpath' }],
  [PPME.SYSCALL_SYMLINK_X, { path: 'linkpath' }],
  [PPME.SYSCALL_SYMLINKAT_X, { dirfd: 'linkdirfd', path: 'linkpath' }],
]);

function indexNamed(e: Event, name: string): number {
  const n = e.nparams;
  for (let i = 0; i < n; i++) if (paramName(e, i) === name) return i;
  return -1;
}

function text(e: Event, i: number): string {
  const o = e.paramOffset(i);
  const b = e.bytes.subarray(o, o + e.paramLength(i));
  const nul = b.indexOf(0);
  return new TextDecoder().decode(nul >= 0 ? b.subarray(0, nul) : b);
}

/** The path an event names, raw (as passed) or resolved against the cwd or its dirfd. */
function fsPath(e: Event, c: EventContext | undefined, refs: ReadonlyMap<number, PathRef>, raw: boolean): string | null {
  const ref = refs.get(e.type);
  const t = c?.thread;
  if (!ref || !t) return null;
  if ('fd' in ref) {
    const i = indexNamed(e, ref.fd);
    if (i < 0 || e.paramLength(i) !== 8) return null;
    const fi = t.getFd(Number(e.view.getBigInt64(e.paramOffset(i), true)));
    return fi ? (raw && fi.nameRaw !== '' ? fi.nameRaw : fi.name) : null;
  }
  const pi = indexNamed(e, ref.path);
  if (pi < 0) return null;
  const path = text(e, pi);
  if (raw || path.startsWith('/')) return raw ? path : concatenatePaths('', path).path;
  let dir = t.cwd;
  if (ref.dirfd !== undefined) {
    const di = indexNamed(e, ref.dirfd);
    const dirfd = di >= 0 && e.paramLength(di) === 8 ? Number(e.view.getBigInt64(e.paramOffset(di), true)) : -100;
    if (dirfd !== -100) {
      const fi = t.getFd(dirfd);
      dir = fi ? `${fi.name}/` : '<UNKNOWN>/';
    }
  }
  return concatenatePaths(dir, path).path;
}

const fs = (name: string, refs: ReadonlyMap<number, PathRef>, raw: boolean, desc: string): FieldSpec => ({
  name, type: 'string', desc, extract: (e, c) => fsPath(e, c, refs, raw),
});

export const FSPATH_FIELDS: FieldSpec[] = [
  fs('fs.path.name', NAME_REFS, false, 'for file syscalls that make no fd (mkdir, unlink, chmod, ...), the path they operate on, resolved against the cwd or the dirfd'),
  fs('fs.path.nameraw', NAME_REFS, true, 'for file syscalls that make no fd, the path they operate on, as passed'),
  fs('fs.path.source', SOURCE_REFS, false, 'for rename, link and symlink syscalls, the source path, resolved'),
  fs('fs.path.sourceraw', SOURCE_REFS, true, 'for rename, link and symlink syscalls, the source path, as passed'),
  fs('fs.path.target', TARGET_REFS, false, 'for rename, link and symlink syscalls, the target path, resolved'),
  fs('fs.path.targetraw', TARGET_REFS, true, 'for rename, link and symlink syscalls, the target path, as passed'),
];
