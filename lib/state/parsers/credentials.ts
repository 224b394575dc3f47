/** Credentials (setuid family), users and groups, containers announced by events. */
import { PPME } from '../../events/schema.generated.js';
import { uint } from '../inspector.js';
import { argSource, int, str, type Parser } from './common.js';

/** setuid/setgid: the id the enter event (or, current generation, the exit) names. */
function setId(name: string, field: 'uid' | 'gid', checkNone: boolean): Parser {
  return (c, insp) => {
    const e = c.evt;
    if (int(e, 0) < 0) return;
    const src = argSource(c, insp, name);
    if (!src) return;
    const id = uint(src.evt, src.i);
    if (checkNone && id === 0xffffffff) return;
    const t = c.thread;
    if (t) t[field] = id;
  };
}

const userAdded: Parser = (c, insp) => {
  const e = c.evt;
  if (e.nparams < 5) return;
  insp.users.addUser({ uid: uint(e, 0), gid: uint(e, 1), name: str(e, 2), homedir: str(e, 3), shell: str(e, 4) });
};
const userDeleted: Parser = (c, insp) => {
  if (c.evt.nparams > 0) insp.users.removeUser(uint(c.evt, 0));
};
const groupAdded: Parser = (c, insp) => {
  if (c.evt.nparams >= 2) insp.users.addGroup({ gid: uint(c.evt, 0), name: str(c.evt, 1) });
};
const groupDeleted: Parser = (c, insp) => {
  if (c.evt.nparams > 0) insp.users.removeGroup(uint(c.evt, 0));
};

/** The oldest container event: id, type, name, image. */
const containerEvent: Parser = (c, insp) => {
  const e = c.evt;
  if (e.nparams < 4) return;
  insp.containers.add({ id: str(e, 0), type: uint(e, 1), name: str(e, 2), image: str(e, 3) });
};

/** Container JSON events: {"container": {...}}. */
const containerJson: Parser = (c, insp) => {
  const e = c.evt;
  if (e.nparams < 1) return;
  try {
    const o = JSON.parse(str(e, 0)) as { container?: Record<string, unknown> };
    const k = o.container;
    if (!k || typeof k.id !== 'string') return;
    insp.containers.add({ ...k, id: k.id, type: Number(k.type ?? 0), name: String(k.name ?? ''), image: String(k.image ?? '') });
  } catch {
    // A malformed container event changes nothing.
  }
};

export const CREDENTIAL_PARSERS: Array<[number[], Parser]> = [
  [[PPME.SYSCALL_SETRESUID_X], setId('euid', 'uid', true)],
  [[PPME.SYSCALL_SETRESGID_X], setId('egid', 'gid', true)],
  [[PPME.SYSCALL_SETREUID_X], setId('euid', 'uid', true)],
  [[PPME.SYSCALL_SETREGID_X], setId('egid', 'gid', true)],
  [[PPME.SYSCALL_SETUID_X], setId('uid', 'uid', false)],
  [[PPME.SYSCALL_SETGID_X], setId('gid', 'gid', false)],
  [[PPME.USER_ADDED_E], userAdded],
  [[PPME.USER_DELETED_E], userDeleted],
  [[PPME.GROUP_ADDED_E], groupAdded],
  [[PPME.GROUP_DELETED_E], groupDeleted],
  [[PPME.CONTAINER_E], containerEvent],
  [[PPME.CONTAINER_JSON_E, PPME.CONTAINER_JSON_2_E], containerJson],
];
