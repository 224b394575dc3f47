/**
 * What the filter compiler needs from a field registry. `lib/fields`
 * implements `FieldSource` over the real extractors; tests and benchmarks use
 * small table-driven sources.
 *
 * Values an extractor returns, by field type:
 *   string                          a JS string
 *   bytes                           a Uint8Array (a string is accepted and read as UTF-8)
 *   int8 … uint64, double, reltime,
 *   abstime, port                   a number, or a bigint beyond 2^53
 *   bool                            a boolean (0/1 accepted)
 *   ipaddr, ipnet                   the address as text, as lib/events/values.ts prints it
 *                                   (`1.2.3.4`, `::1`); an ipnet field's value is an address
 *                                   that the filter's CIDR values are matched against
 * A list field (`isList`) returns an array of such values; so does a field with
 * `anyOf` (its candidates). `undefined` or `null` means the field has no value
 * for this event: every comparison on it is then false (even `!=`), and only
 * `exists` tells. An empty array counts as no value too.
 */

export type FieldType =
  | 'string'
  | 'bytes'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'double'
  | 'reltime'
  | 'abstime'
  | 'port'
  | 'bool'
  | 'ipaddr'
  | 'ipnet';

export interface FieldDef {
  /** Canonical name without the argument: `proc.aname`, `evt.arg.flags`, `fd.name`. */
  readonly name: string;
  readonly type: FieldType;
  /** Extracts several values; only `in`, `intersects` and `exists` apply (libsinsp's EPF_IS_LIST). */
  readonly isList?: boolean;
  /**
   * The extractor returns candidates and a check holds when it holds for any of
   * them: `proc.aname` without an index (any ancestor), `fd.ip` / `fd.port` /
   * `fd.net` (client or server side).
   */
  readonly anyOf?: boolean;
  /**
   * With `anyOf`: `!=` holds only when every candidate differs (libsinsp's
   * fd.ip, fd.port, fd.net, fd.proto compare both ends so); without it, when
   * some candidate differs (proc.aname, proc.apid).
   */
  readonly neEvery?: boolean;
  /** Cannot be used in filters (libsinsp's print-only fields, e.g. evt.outputtime). */
  readonly printOnly?: boolean;
  /** Rejects transformers (`evt.rawarg.*`, `proc.aname`, `fd.ip`, …). */
  readonly noTransformer?: boolean;
  /** Cannot appear inside `val()`. */
  readonly noRhs?: boolean;
  /** When set, the only operators the field accepts (e.g. `evt.around`: `=` only). */
  readonly operators?: readonly string[];
  /** The field's value for an event, or undefined/null when it has none. */
  extract(evt: unknown, ctx: unknown): unknown;
  /**
   * A comparison of the field's own (libsinsp's evt.around compares the
   * event time with a window around the argument): given the operator and the
   * parsed values, the test of a present value. Replaces the standard one.
   */
  compareWith?(op: string, values: readonly unknown[]): (v: unknown) => boolean;
}

export interface FieldSource {
  /**
   * Resolves a field as written in a filter: the full dotted name (dotted
   * arguments included: `evt.arg.flags`, `thread.cgroup.cpuacct`) and the
   * bracket argument, unquoted (`proc.aname[2]` → ('proc.aname', '2')).
   * Returns undefined for an unknown field; throws an Error whose message says
   * why for a known field with a bad or missing argument.
   */
  lookup(name: string, arg?: string): FieldDef | undefined;
  /**
   * The event's type code (PPME_*), if the source can tell: the compiled
   * filter then rejects events of types it cannot match before extracting anything.
   */
  eventTypeOf?(evt: unknown): number;
}
