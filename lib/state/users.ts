/** Users and groups: a file's user list, or /etc/passwd and /etc/group for live captures. */
import type { UserView } from '../events/state.js';
import type { GroupRecord, UserRecord } from '../scapfile/metadata.js';

export class UserTable {
  readonly users = new Map<number, UserView>();
  readonly groups = new Map<number, GroupRecord>();

  constructor(users: readonly UserRecord[] = [], groups: readonly GroupRecord[] = []) {
    for (const u of users) this.users.set(u.uid >>> 0, u);
    for (const g of groups) this.groups.set(g.gid >>> 0, g);
  }

  /** undefined for unknown ids and for -1 (as libsinsp's get_user). */
  user(uid: number): UserView | undefined {
    uid >>>= 0;
    return uid === 0xffffffff ? undefined : this.users.get(uid);
  }

  group(gid: number): GroupRecord | undefined {
    gid >>>= 0;
    return gid === 0xffffffff ? undefined : this.groups.get(gid);
  }

  addUser(u: UserRecord): void {
    this.users.set(u.uid >>> 0, u);
  }
  removeUser(uid: number): void {
    this.users.delete(uid >>> 0);
  }
  addGroup(g: GroupRecord): void {
    this.groups.set(g.gid >>> 0, g);
  }
  removeGroup(gid: number): void {
    this.groups.delete(gid >>> 0);
  }
}
