/**
 * Bad input never throws out of the state and output layers: real events with
 * their parameter bytes scrambled, cut parameter lists, unknown tids and fds,
 * exits without enters, all go through the Inspector and every formatter.
 */
import { describe, expect, it } from 'vitest';
import { EventBatch, EVENT_HEADER_SIZE, PPM_EVENT_MAX, encodeEvent, isLargePayload } from '../../lib/events/index.js';
import { ScapReader } from '../../lib/scapfile/index.js';
import { Inspector } from '../../lib/state/index.js';
import { EventFormatter, DEFAULT_FORMAT } from '../../lib/format/index.js';
import { fixture } from '../helpers/env.js';

/** Small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FORMATS = [
  DEFAULT_FORMAT,
  '*%evt.num %evt.res %evt.rawres %evt.failed %proc.name %proc.pname %proc.cmdline %proc.exepath %proc.cwd %user.name %group.name %container.id ' +
    '%fd.num %fd.type %fd.typechar %fd.name %fd.directory %fd.filename %fd.cip %fd.sip %fd.cport %fd.sport %fd.l4proto %evt.arg[1] %evt.buffer',
];

describe('state and output on bad input', () => {
  it('scrambled parameter bytes of real events', async () => {
    const formatters = [...FORMATS.map((f) => new EventFormatter(f)), ...FORMATS.map((f) => new EventFormatter(f, { json: true }))];
    const rand = rng(42);
    let n = 0;
    for (const name of ['curl_google', 'single_ipv6_conn', 'cat_write']) {
      await using r = await ScapReader.open(fixture(name));
      const insp = new Inspector(r.section);
      for await (const b of r.batches()) {
        const copies: Uint8Array[] = [];
        for (const e of b) {
          const bytes = e.toBytes();
          const start = EVENT_HEADER_SIZE + (isLargePayload(e.type) ? 4 : 2) * e.nparams;
          for (let i = start; i < bytes.length; i++) if (rand() < 0.2) bytes[i] = Math.floor(rand() * 256);
          copies.push(bytes);
        }
        for (const e of EventBatch.fromEvents(copies)) {
          insp.process(e);
          for (const f of formatters) expect(() => f.format(e)).not.toThrow();
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(3000);
  });

  it('events of every type with cut or missing parameters, from unknown threads', () => {
    const insp = new Inspector({});
    const formatters = FORMATS.map((f) => new EventFormatter(f));
    const rand = rng(7);
    const events: Uint8Array[] = [];
    for (let type = 0; type < PPM_EVENT_MAX; type++) {
      for (let k = 0; k < 3; k++) {
        const params: Uint8Array[] = [];
        const np = Math.floor(rand() * 6);
        for (let i = 0; i < np; i++) params.push(Uint8Array.from({ length: Math.floor(rand() * 12) }, () => Math.floor(rand() * 256)));
        events.push(encodeEvent({ type, ts: BigInt(1e18) + BigInt(events.length), tid: 1000 + Math.floor(rand() * 5), params }));
      }
    }
    for (const e of EventBatch.fromEvents(events)) {
      expect(() => insp.process(e)).not.toThrow();
      for (const f of formatters) expect(() => f.format(e)).not.toThrow();
    }
  });
});
