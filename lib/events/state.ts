/**
 * What the state layer attaches to an event. Declared here, as interfaces,
 * so that `lib/events` never imports `lib/state`: the Inspector implements
 * them and sets `Event.state` while it processes the event.
 */

/** A thread as the state layer knows it (libsinsp's threadinfo). */
export interface ThreadView {
  readonly tid: number;
  /** Process id (the main thread's tid); -1 when unknown. */
  readonly pid: number;
  /** Parent thread id; -1 when unknown. */
  readonly ptid: number;
  readonly comm: string;
  readonly exe: string;
  readonly exepath: string;
  readonly args: readonly string[];
  readonly env: readonly string[];
  /** Working directory of the process, ending in '/'. */
  readonly cwd: string;
  readonly uid: number;
  readonly gid: number;
  readonly loginuid: number;
  readonly vtid: number;
  readonly vpid: number;
  readonly sid: number;
  readonly vpgid: number;
  readonly tty: number;
  readonly cgroups: readonly (readonly [subsystem: string, path: string])[];
  /** '' on the host. */
  readonly containerId: string;
}

/** A file descriptor as the state layer knows it. */
export interface FdView {
  readonly num: number;
  /** 'file', 'directory', 'ipv4', 'ipv6', 'unix', 'pipe', 'event', ... or '<NA>'. */
  readonly typeName: string;
  /** sysdig's one-letter type: 'f', '4', '6', 'u', 'p', 'e', 's', 'l', 'i', 't', 'n', 'd', 'o', 'X'. */
  readonly typechar: string;
  readonly name: string;
}

export interface UserView {
  readonly uid: number;
  readonly gid: number;
  readonly name: string;
  readonly homedir: string;
  readonly shell: string;
}

/** Per-event state, set by the Inspector on the events it processes. */
export interface EventStateSlot {
  /** 1-based event number in the capture (sysdig's evt.num). */
  readonly num: number;
  readonly thread: ThreadView | undefined;
  readonly fd: FdView | undefined;
  readonly user: UserView | undefined;
  /** A field by name (`proc.name`, `fd.name`, `evt.arg.fd`...); null when it does not apply. */
  field(name: string): unknown;
}
