#!/usr/bin/env node
// Which programs opened which files, from a capture: a few lines of a custom
// report over scap-ts's file reader. Run: node examples/opened-files.mjs FILE.scap[.gz]
import { ScapReader } from 'scap-ts/scapfile';
import { PPME } from 'scap-ts/events';

const OPEN_EXITS = new Set([PPME.SYSCALL_OPEN_X, PPME.SYSCALL_OPENAT_X, PPME.SYSCALL_OPENAT_2_X, PPME.SYSCALL_OPENAT2_X, PPME.SYSCALL_CREAT_X]);

const path = process.argv[2];
if (!path) {
  console.error('usage: opened-files.mjs FILE.scap[.gz]');
  process.exit(2);
}

// Iterating to the end (or breaking out) closes the reader.
const reader = await ScapReader.open(path);
// The capture's process list names the threads alive when it started.
const comm = new Map(reader.section.processes.map((t) => [t.tid, t.comm]));
const opened = new Map();
for await (const evt of reader) {
  // Programs started during the capture get their name from execve's exit.
  if (evt.name === 'execve' && evt.direction === '<' && evt.param('res') === 0) comm.set(evt.tid, evt.param('comm'));
  if (!OPEN_EXITS.has(evt.type)) continue;
  const fd = evt.param('fd');
  if (typeof fd !== 'number' || fd < 0) continue;
  const who = comm.get(evt.tid) ?? `tid ${evt.tid}`;
  const files = opened.get(who) ?? new Set();
  files.add(evt.param('name'));
  opened.set(who, files);
}
for (const [who, files] of opened) console.log(`${who}: ${[...files].join(', ')}`);
