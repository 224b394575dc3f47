/** user.*, group.* and container.* fields. */
import type { FieldSpec } from './registry.js';

export const USER_FIELDS: FieldSpec[] = [
  { name: 'user.uid', type: 'uint32', format: 'id', desc: 'user id', extract: (_e, c) => c?.thread?.uid ?? null },
  { name: 'user.name', type: 'string', desc: 'user name', extract: (_e, c) => c?.user?.name ?? null },
  { name: 'user.homedir', type: 'string', desc: 'home directory', extract: (_e, c) => c?.user?.homedir ?? null },
  { name: 'user.shell', type: 'string', desc: 'login shell', extract: (_e, c) => c?.user?.shell ?? null },
  { name: 'user.loginuid', type: 'int32', format: 'id', desc: 'audit user id', extract: (_e, c) => (c?.thread ? c.thread.loginuid | 0 : null) },
  {
    name: 'user.loginname', type: 'string', desc: 'audit user name',
    extract: (_e, c) => { const t = c?.thread; return t && c ? (c.inspector.users.user(t.loginuid)?.name ?? null) : null; },
  },
  { name: 'group.gid', type: 'uint64', format: 'id', desc: 'group id', extract: (_e, c) => c?.thread?.gid ?? null },
  {
    name: 'group.name', type: 'string', desc: 'group name',
    extract: (_e, c) => { const t = c?.thread; return t && c ? (c.inspector.users.group(t.gid)?.name ?? null) : null; },
  },
  { name: 'container.id', type: 'string', desc: "container id ('host' outside containers)", extract: (_e, c) => { const t = c?.thread; return t ? t.containerId || 'host' : null; } },
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
];
