#!/usr/bin/env node
// A TypeScript-style source plugin (plain JS here) merged with a capture file:
// the lines of a text file become plugin events, spread over the capture's
// time span, with a `log.line` field; one filter picks opens from the capture
// and log lines from the plugin. Run: node examples/plugin-merge.mjs FILE.scap[.gz] LOG.txt
import { readFileSync } from 'node:fs';
import { openCapture, fields, ScapReader } from 'scap-ts';
import { compileFilter } from 'scap-ts/filter';

const [capFile, logFile] = process.argv.slice(2);
if (!capFile || !logFile) {
  console.error('usage: plugin-merge.mjs FILE.scap[.gz] LOG.txt');
  process.exit(2);
}

// The capture's first and last timestamps, to place the log lines among its events.
let first = 0n;
let last = 0n;
for await (const evt of await ScapReader.open(capFile)) {
  if (first === 0n) first = evt.ts;
  last = evt.ts;
}

const lines = readFileSync(logFile, 'utf8').split('\n').filter((l) => l !== '');
const logPlugin = {
  name: 'logfile',
  id: 999001,
  eventSource: 'logfile',
  fields: [{ name: 'log.line', type: 'string', desc: 'the line of the log file' }],
  open: () => {
    let i = 0;
    return {
      next: () => (i < lines.length ? [{ ts: first + ((last - first) * BigInt(i)) / BigInt(lines.length), data: lines[i++] }] : null),
      progress: () => i / lines.length,
    };
  },
  extract: (evt) => Buffer.from(evt.data).toString('utf8'),
};

// Iterating to the end (or breaking out) closes the capture and its plugins.
const cap = await openCapture({
  plugins: [{ name: 'logfile', plugin: logPlugin }],
  sources: [{ file: capFile }, { plugin: 'logfile' }],
});
const filter = compileFilter('(evt.type in (open, openat) and evt.dir = <) or log.line exists', fields);
for await (const evt of cap) {
  if (!filter.match(evt)) continue;
  const what = evt.type === 322 ? fields.get('log.line').extract(evt) : evt.param('name');
  console.log(`${evt.ts} ${fields.get('evt.source').extract(evt)} ${what}`);
}
