/** The parser of each event type, and which enter events are kept for their exit. */
import { PPM_EVENT_MAX, PPME } from '../../events/schema.generated.js';
import type { Parser } from './common.js';
import { CREDENTIAL_PARSERS } from './credentials.js';
import { FILE_PARSERS } from './files.js';
import { NETWORK_PARSERS } from './network.js';
import { PROCESS_PARSERS } from './process.js';

export type { Parser };

/** Parser by event type (undefined: the event changes no state). */
export const PARSERS: Array<Parser | undefined> = new Array(PPM_EVENT_MAX).fill(undefined);
for (const [codes, p] of [...PROCESS_PARSERS, ...FILE_PARSERS, ...NETWORK_PARSERS, ...CREDENTIAL_PARSERS]) {
  for (const code of codes) PARSERS[code] = p;
}

/** Enter events libsinsp stores so that the exit can read their parameters. */
export const STORE_ON_ENTER: boolean[] = new Array(PPM_EVENT_MAX).fill(false);
for (const code of [
  PPME.SYSCALL_OPEN_E, PPME.SYSCALL_CREAT_E, PPME.SYSCALL_OPENAT_E, PPME.SYSCALL_OPENAT_2_E, PPME.SYSCALL_OPENAT2_E,
  PPME.SOCKET_SOCKET_E, PPME.SYSCALL_EVENTFD_E, PPME.SYSCALL_CHDIR_E, PPME.SYSCALL_FCHDIR_E, PPME.SOCKET_SHUTDOWN_E,
  PPME.SYSCALL_GETRLIMIT_E, PPME.SYSCALL_SETRLIMIT_E, PPME.SYSCALL_PRLIMIT_E, PPME.SOCKET_SENDMSG_E, PPME.SYSCALL_SENDFILE_E,
  PPME.SYSCALL_SETRESUID_E, PPME.SYSCALL_SETRESGID_E, PPME.SYSCALL_SETUID_E, PPME.SYSCALL_SETGID_E, PPME.SYSCALL_EXECVE_18_E,
  PPME.SYSCALL_EXECVE_19_E, PPME.SYSCALL_EXECVEAT_E, PPME.SYSCALL_SETPGID_E,
]) {
  STORE_ON_ENTER[code] = true;
}
