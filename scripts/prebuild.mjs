#!/usr/bin/env node
// Copies the cmake-js output (build/Release/scap_ts.node) into prebuildify's
// layout, prebuilds/<platform>-<arch>/<name>.<tags>.node, where node-gyp-build
// finds it at run time. Only the libc tag is used (the addon is Node-API, so it
// does not depend on the Node ABI): e.g. prebuilds/linux-x64/scap-ts.glibc.node.
//
// Usage: node scripts/prebuild.mjs   (run by `npm run build:native`)

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'build', 'Release', 'scap_ts.node');

function fail(message) {
  console.error(`prebuild: ${message}`);
  process.exit(1);
}

if (!existsSync(source)) {
  fail(`${relative(root, source)} not found; run \`cmake-js compile --out build\` first`);
}

// prebuildify names the file after the package (without any npm scope).
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const name = String(pkg.name).replace(/^@[^/]+\//, '');

// Same libc detection as node-gyp-build v4 (its LIBC override included), so
// the tag we write is the tag it will look for.
const platform = process.platform;
const arch = process.arch;
const tags = [];
if (platform === 'linux') {
  tags.push(process.env.LIBC || (existsSync('/etc/alpine-release') ? 'musl' : 'glibc'));
}

const dir = join(root, 'prebuilds', `${platform}-${arch}`);
const file = [name, ...tags, 'node'].join('.');
const dest = join(dir, file);

mkdirSync(dir, { recursive: true });
// Drop stale builds of this package with other tag sets so node-gyp-build
// cannot prefer one of them.
for (const entry of readdirSync(dir)) {
  if (entry !== file && entry.startsWith(`${name}.`) && entry.endsWith('.node')) {
    rmSync(join(dir, entry));
  }
}
copyFileSync(source, dest);

// Check that node-gyp-build resolves the prebuild (PREBUILDS_ONLY skips
// build/Release, which it would otherwise pick first) and that it loads.
const check = spawnSync(
  process.execPath,
  [
    '-e',
    `const p = require('node-gyp-build').path(process.argv[1]);
     const b = require(p);
     if (typeof b.version !== 'function') throw new Error('no version() export');
     process.stdout.write(p);`,
    root,
  ],
  { cwd: root, env: { ...process.env, PREBUILDS_ONLY: '1' }, encoding: 'utf8' },
);
if (check.status !== 0) {
  fail(`node-gyp-build cannot load the prebuild:\n${check.stderr}`);
}
if (resolve(check.stdout) !== dest) {
  fail(`node-gyp-build resolved ${check.stdout}, expected ${dest}`);
}
console.log(`prebuild: ${relative(root, source)} -> ${relative(root, dest)}`);
