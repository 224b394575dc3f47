/**
 * `scap-ts/fields`: sysdig/Falco fields over the Inspector's state. The
 * registry is a filter `FieldSource` (`fields.lookup(name, arg)`, with
 * `eventTypeOf` so compiled filters reject other event types first) and the
 * base of the output formatters. `listFields()` prints them as `sysdig -l`.
 */
import type { Event } from '../events/event.js';
import { Inspector } from '../state/inspector.js';
import { CONTAINER_FIELDS } from './container.js';
import { EVT_FIELDS, EVT_MORE_FIELDS } from './evt.js';
import { FD_FIELDS, FD_MORE_FIELDS } from './fd.js';
import { FDLIST_FIELDS, FSPATH_FIELDS } from './fdlist.js';
import { K8S_FIELDS } from './k8s.js';
import { PROC_FIELDS, PROC_MORE_FIELDS } from './proc.js';
import { FieldRegistry, type FieldSpec } from './registry.js';
import { SYSLOG_FIELDS, USER_FIELDS } from './user.js';

export { FieldRegistry, valueJson, valueText, type FieldDef, type FieldSpec, type FieldType, type JsonValue, type PrintFormat, type Extractor } from './registry.js';
export { renderParam, renderArgs, renderInfo, renderFd, bufferString, flagsString, BUF, ANY_JSON, DEFAULT_RENDER, type RenderOptions, type Rendered } from './params.js';
export { tsToString, timeSettings, setTimeZoneOffset, humanDuration, type TimeMode } from './evt.js';
export { ancestors } from './proc.js';

/** A class of fields as `sysdig -l` shows them. */
export interface FieldClass {
  readonly name: string;
  readonly desc: string;
  readonly fields: readonly FieldSpec[];
}

const ALL: FieldSpec[] = [...EVT_FIELDS, ...EVT_MORE_FIELDS, ...PROC_FIELDS, ...PROC_MORE_FIELDS, ...USER_FIELDS, ...CONTAINER_FIELDS, ...K8S_FIELDS, ...FD_FIELDS, ...FD_MORE_FIELDS, ...SYSLOG_FIELDS, ...FDLIST_FIELDS, ...FSPATH_FIELDS];

const byName = new Map(ALL.map((f) => [f.name, f]));
const pick = (names: readonly string[]): FieldSpec[] => names.map((n) => {
  const f = byName.get(n);
  if (!f) throw new Error(`internal: field ${n} is not defined`);
  return f;
});
const GENERIC_EVT = [
  'evt.num', 'evt.time', 'evt.time.s', 'evt.time.iso8601', 'evt.datetime', 'evt.datetime.s', 'evt.rawtime', 'evt.rawtime.s', 'evt.rawtime.ns',
  'evt.reltime', 'evt.reltime.s', 'evt.reltime.ns', 'evt.outputtime', 'evt.source', 'evt.hostname', 'evt.is_async',
];
const SYSCALL_EVT = [
  'evt.latency', 'evt.latency.s', 'evt.latency.ns', 'evt.latency.human', 'evt.deltatime', 'evt.deltatime.s', 'evt.deltatime.ns', 'evt.dir',
  'evt.type', 'evt.type.is', 'syscall.type', 'evt.category', 'evt.cpu', 'evt.args', 'evt.arg', 'evt.rawarg', 'evt.info', 'evt.buffer',
  'evt.buflen', 'evt.res', 'evt.rawres', 'evt.failed', 'evt.is_io', 'evt.is_io_read', 'evt.is_io_write', 'evt.io_dir', 'evt.is_wait',
  'evt.wait_latency', 'evt.is_syslog', 'evt.count', 'evt.count.error', 'evt.count.error.file', 'evt.count.error.net', 'evt.count.error.memory',
  'evt.count.error.other', 'evt.count.exit', 'evt.around', 'evt.abspath', 'evt.is_open_read', 'evt.is_open_write', 'evt.is_open_exec',
  'evt.is_open_create',
];
const byPrefix = (p: string) => ALL.filter((f) => f.name.startsWith(p));

/** Every field, by class, in the order `scap-ts -l` lists them. */
export const FIELD_CLASSES: readonly FieldClass[] = [
  { name: 'evt (All event types)', desc: 'These fields can be used for all event types', fields: pick(GENERIC_EVT) },
  {
    name: 'evt (Syscall events only)',
    desc: 'Event fields applicable to syscall events. Note that for most events you can access the individual arguments/parameters of each syscall via evt.arg, e.g. evt.arg.filename.',
    fields: pick(SYSCALL_EVT),
  },
  { name: 'process', desc: 'Additional information about the process and thread executing the syscall event.', fields: [...PROC_FIELDS, ...PROC_MORE_FIELDS] },
  { name: 'user', desc: 'Information about the user executing the specific event.', fields: byPrefix('user.') },
  { name: 'group', desc: 'Information about the user group.', fields: byPrefix('group.') },
  { name: 'container', desc: "Container information. If the event is not happening inside a container, both id and name will be set to 'host'.", fields: byPrefix('container.') },
  {
    name: 'k8s',
    desc: "Kubernetes related context, from the labels the container runtime gives a pod's containers (no API server is asked): only k8s.pod.* and k8s.ns.name have values.",
    fields: K8S_FIELDS,
  },
  { name: 'fd', desc: 'Every syscall that has a file descriptor in its arguments has these fields set with information related to the file.', fields: byPrefix('fd.') },
  { name: 'syslog', desc: 'Content of Syslog messages.', fields: SYSLOG_FIELDS },
  { name: 'fdlist', desc: 'Poll event related fields.', fields: FDLIST_FIELDS },
  { name: 'fs.path', desc: 'Every syscall that has a filesystem path in its arguments has these fields set with information related to the path arguments.', fields: FSPATH_FIELDS },
];

{
  const listed = new Set(FIELD_CLASSES.flatMap((c) => c.fields.map((f) => f.name)));
  const missing = ALL.filter((f) => !listed.has(f.name)).map((f) => f.name);
  if (missing.length || listed.size !== ALL.length) throw new Error(`internal: fields without a class or in two: ${missing.join(', ')}`);
}

/** The registry's field source also tells the event type, so compiled filters pre-check it. */
class SinspFields extends FieldRegistry {
  eventTypeOf(evt: unknown): number {
    return (evt as Event).type;
  }
}

/** Every field scap-ts knows. */
export const fields: FieldRegistry & { eventTypeOf(evt: unknown): number } = new SinspFields(FIELD_CLASSES.flatMap((c) => c.fields));

const NAME_COLUMN = 30;
const LINE = 120;

/** Words wrapped to the description column, each followed by a space, as sysdig prints them. */
function wrap(text: string): string {
  const width = LINE - NAME_COLUMN;
  let out = '';
  let line = 0;
  for (const w of text.split(/\s+/).filter(Boolean)) {
    if (line > 0 && line + w.length > width) {
      out += `\n${' '.repeat(NAME_COLUMN)}`;
      line = 0;
    }
    out += `${w} `;
    line += w.length + 1;
  }
  return out;
}

function column(name: string): string {
  return name.length >= NAME_COLUMN ? `${name}\n${' '.repeat(NAME_COLUMN)}` : name.padEnd(NAME_COLUMN, ' ');
}

/** The field list as `sysdig -l` prints it (classes, names, wrapped descriptions; filter-only ones marked). */
export function listFields(classes: readonly FieldClass[] = FIELD_CLASSES): string {
  let out = '';
  for (const c of classes) {
    out += `-------------------------------\n${column('Field Class:')}${c.name}\n${column('Description:')}${wrap(c.desc)}\n\n`;
    for (const f of c.fields) {
      let desc = f.desc ?? '';
      if (desc !== '' && !/[.)]$/.test(desc)) desc += '.';
      if (f.filterOnly && !desc.startsWith('(FILTER ONLY)')) desc = `(FILTER ONLY) ${desc}`;
      out += `${column(f.name)}${wrap(desc)}\n`;
    }
    out += '\n';
  }
  return out;
}

/** Resolves `evt.field(name)` for events an Inspector processed. */
Inspector.defaultFieldResolver = (name, evt, ctx) => fields.get(name).extract(evt, ctx);
