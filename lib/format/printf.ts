/**
 * Output formats as sysdig's -p takes them (libsinsp's event formatter):
 * `%field` tokens, `%Nfield` (the value cut or padded to N characters), raw
 * text in between, and a leading `*` that prints an event even when some
 * field has no value (shown as `<NA>`); without it such events are skipped.
 * The same format gives JSON objects with -j (field name -> value).
 */
import type { Event } from '../events/event.js';
import { fields as defaultRegistry } from '../fields/index.js';
import { ANY_JSON, DEFAULT_RENDER, type RenderOptions } from '../fields/params.js';
import { valueText, type FieldDef, type FieldRegistry, type JsonValue } from '../fields/registry.js';
import type { EventContext } from '../state/context.js';
import { jsonText } from './json.js';

type Token = { text: string } | { def: FieldDef; name: string; width: number };

export interface FormatterOptions {
  /** Field registry (default: every scap-ts field). */
  registry?: FieldRegistry;
  /** Write JSON objects instead of text (sysdig -j). */
  json?: boolean;
  /** Buffer format and length (sysdig -A/-x/-X/-b/-v). */
  render?: Partial<RenderOptions>;
}

export class FormatError extends Error {
  override name = 'FormatError';
}

export class EventFormatter {
  readonly tokens: readonly Token[];
  /** False when the format started with '*'. */
  readonly requireAllValues: boolean;
  readonly json: boolean;
  readonly render: RenderOptions;
  /** The tokens compiled: raw text, or a function giving the field's text (null: no value), with its width. */
  readonly #pieces: Array<string | ((e: Event, c: EventContext | undefined) => string | null)> = [];
  readonly #widths: number[] = [];

  constructor(format: string, options: FormatterOptions = {}) {
    const registry = options.registry ?? defaultRegistry;
    this.json = options.json ?? false;
    this.render = { ...DEFAULT_RENDER, ...options.render };
    if (this.json && !(this.render.bufferFormat & ANY_JSON)) this.render.bufferFormat = jsonBufferFormat(this.render.bufferFormat);
    if (format === '') throw new FormatError('empty formatting token');
    let f = format;
    this.requireAllValues = true;
    if (f[0] === '*') {
      this.requireAllValues = false;
      f = f.slice(1);
    }
    const tokens: Token[] = [];
    let last = 0;
    let j = 0;
    for (; j < f.length; j++) {
      if (f[j] !== '%') continue;
      if (last !== j) tokens.push({ text: f.slice(last, j) });
      if (j === f.length - 1) throw new FormatError('invalid formatting syntax: formatting cannot end with a %');
      let width = 0;
      if (/[0-9]/.test(f[j + 1])) {
        const m = /^[0-9]+/.exec(f.slice(j + 1))!;
        width = Number(m[0]);
        j += m[0].length;
        if (j === f.length - 1) throw new FormatError('invalid formatting syntax: formatting cannot end with a number');
      }
      let tok;
      try {
        tok = registry.parseToken(f.slice(j + 1));
      } catch (e) {
        throw new FormatError((e as Error).message);
      }
      if (!tok) throw new FormatError(`invalid formatting token ${f.slice(j + 1)}`);
      tokens.push({ def: tok.def, name: f.slice(j + 1, j + 1 + tok.length), width });
      j += tok.length;
      last = j + 1;
    }
    if (last < f.length) tokens.push({ text: f.slice(last) });
    this.tokens = tokens;
    for (const t of tokens) {
      if ('text' in t) {
        this.#pieces.push(t.text);
        this.#widths.push(0);
        continue;
      }
      const spec = t.def.spec;
      const ex = t.def.extractor;
      const arg = t.def.arg;
      const { type, format: pf } = t.def;
      const toText = spec.toText;
      const render = this.render;
      this.#pieces.push((e, c) => {
        try {
          const v = ex(e, c, arg, render);
          if (v === null || v === undefined) return null;
          return toText ? toText(v, e, c, render) : valueText(v, type, pf);
        } catch {
          // A malformed event gives a field with no value, never an exception.
          return null;
        }
      });
      this.#widths.push(t.width);
    }
  }

  /** The event's line (or JSON object), or null when a required value is missing. */
  format(evt: Event, ctx: EventContext | undefined = evt.state as EventContext | undefined): string | null {
    return this.json ? this.#json(evt, ctx) : this.#text(evt, ctx);
  }

  #text(evt: Event, ctx: EventContext | undefined): string | null {
    let out = '';
    const pieces = this.#pieces;
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i];
      if (typeof p === 'string') {
        out += p;
        continue;
      }
      let s = p(evt, ctx);
      if (s === null) {
        if (this.requireAllValues) return null;
        s = '<NA>';
      }
      const w = this.#widths[i];
      if (w !== 0) s = s.length >= w ? s.slice(0, w) : s.padEnd(w, ' ');
      out += s;
    }
    return out;
  }

  #json(evt: Event, ctx: EventContext | undefined): string | null {
    const root: { [k: string]: JsonValue } = {};
    for (const t of this.tokens) {
      if ('text' in t) continue;
      let v: JsonValue;
      try {
        v = t.def.json(evt, ctx, this.render);
      } catch {
        v = null;
      }
      if (v === null && this.requireAllValues) return null;
      root[t.name] = v;
    }
    return jsonText(root);
  }

  /** Field values by token name (libsinsp's resolve_tokens), as text; `<NA>` for missing ones. */
  values(evt: Event, ctx: EventContext | undefined = evt.state as EventContext | undefined): Record<string, string> | null {
    const out: Record<string, string> = {};
    for (const t of this.tokens) {
      if ('text' in t) continue;
      const s = t.def.text(evt, ctx, this.render);
      if (s === null && this.requireAllValues) return null;
      out[t.name] = s ?? '<NA>';
    }
    return out;
  }
}

/** sysdig's -j turns the buffer format into its JSON variant. */
export function jsonBufferFormat(f: number): number {
  switch (f) {
    case 1 << 5: return 1 << 8; // EOLS -> JSONEOLS
    case 1 << 3: return 1 << 9; // HEX -> JSONHEX
    case 1 << 4: return 1 << 10; // HEXASCII -> JSONHEXASCII
    case 1 << 7: return 1 << 11; // BASE64 -> JSONBASE64
    case 1 << 0: return 1 << 1; // NORMAL -> JSON
    default: return f;
  }
}

/** sysdig's escape_output_format for -p strings: \n, \t, \e and \\. */
export function unescapeFormat(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') {
      const n = s[i + 1];
      if (n === 'n') { out += '\n'; i++; }
      else if (n === 't') { out += '\t'; i++; }
      else if (n === 'e') { out += '\x1b'; i++; }
      else if (n === '\\') { out += '\\'; i++; }
      else out += '\\';
    } else out += s[i];
  }
  return out;
}
