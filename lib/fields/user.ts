/** user.*, group.* and syslog.* fields. */
import type { EventContext } from '../state/context.js';
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
];

// ---------------------------------------------------------------- syslog.* (issue 5)

const FACILITIES = ['kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'clock', 'authpriv', 'ftp', 'ntp', 'logaudit', 'logalert', 'cron', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'];
const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'];

/** The syslog priority decoded from this event's write to /dev/log, or -1. */
function priority(c: EventContext | undefined): number {
  if (!c) return -1;
  const insp = c.inspector;
  return insp.syslogPriority !== -1 && c.num === insp.nevts ? insp.syslogPriority : -1;
}

export const SYSLOG_FIELDS: FieldSpec[] = [
  { name: 'syslog.facility.str', type: 'string', desc: 'facility as a string', extract: (_e, c) => { const p = priority(c); return p < 0 ? null : (FACILITIES[p >> 3] ?? null); } },
  { name: 'syslog.facility', type: 'uint32', format: 'dec', desc: 'facility as a number (0-23)', extract: (_e, c) => { const p = priority(c); return p < 0 ? null : p >> 3; } },
  { name: 'syslog.severity.str', type: 'string', desc: 'severity as a string. Can have one of these values: emerg, alert, crit, err, warn, notice, info, debug', extract: (_e, c) => { const p = priority(c); return p < 0 ? null : SEVERITIES[p & 7]; } },
  { name: 'syslog.severity', type: 'uint32', format: 'dec', desc: 'severity as a number (0-7)', extract: (_e, c) => { const p = priority(c); return p < 0 ? null : p & 7; } },
  {
    name: 'syslog.message', type: 'string', desc: 'message sent to syslog',
    extract: (_e, c) => {
      if (priority(c) < 0) return null;
      const m = c!.inspector.syslogMessage;
      const nul = m.indexOf('\0');
      return nul >= 0 ? m.slice(0, nul) : m;
    },
  },
];
