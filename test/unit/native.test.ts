// Loads the real addon (built by `npm run build:native`) and checks its answers
// against what the machine says through other channels.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it, vi } from 'vitest';

import { prerequisite } from '../helpers/env.js';
import {
  kernelFeatures,
  loadNative,
  nativeVersion,
  packageRoot,
  type KernelFeatures,
} from '../../lib/native/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };

/** Mount points of tracefs in /proc/self/mounts (octal escapes such as \040 decoded). */
function tracefsMounts(): string[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' '))
    .filter((f) => f.length >= 3 && f[2] === 'tracefs')
    .map((f) => unescape(f[1]!));
}

/** `ulimit -l` / `ulimit -Hl` in bytes, null for unlimited (the shell reports KiB). */
function shellMemlock(flag: '-l' | '-Hl'): number | null {
  const out = execFileSync('sh', ['-c', `ulimit ${flag}`], { encoding: 'utf8' }).trim();
  return out === 'unlimited' ? null : Number(out) * 1024;
}

/** CapEff from /proc/self/status. */
function effectiveCaps(): bigint {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('CapEff:'));
  if (line === undefined) throw new Error('no CapEff line in /proc/self/status');
  return BigInt('0x' + line.slice('CapEff:'.length).trim());
}

const hasCap = (mask: bigint, bit: number) => ((mask >> BigInt(bit)) & 1n) === 1n;

describe('native addon', () => {
  it('loads once and exposes the typed binding', () => {
    const binding = loadNative();
    expect(typeof binding.version).toBe('function');
    expect(typeof binding.kernelFeatures).toBe('function');
    expect(loadNative()).toBe(binding);
    expect(packageRoot).toBe(root);
  });

  it('reports the package version', () => {
    expect(nativeVersion()).toBe(pkg.version);
    expect(loadNative().version()).toBe(pkg.version);
  });

  describe('kernelFeatures()', () => {
    const f: KernelFeatures = kernelFeatures();

    it('has exactly the documented fields, with the right types', () => {
      expect(Object.keys(f).sort()).toEqual(
        [
          'btf',
          'capBpf',
          'capPerfmon',
          'capSysAdmin',
          'libbpfVersion',
          'memlockLimit',
          'release',
          'ringbufSupported',
          'tracefs',
        ].sort(),
      );
      expect(typeof f.release).toBe('string');
      for (const key of ['btf', 'capBpf', 'capPerfmon', 'capSysAdmin', 'ringbufSupported'] as const) {
        expect(typeof f[key], key).toBe('boolean');
      }
      expect(f.tracefs === null || typeof f.tracefs === 'string').toBe(true);
      expect(f.libbpfVersion).toMatch(/^\d+\.\d+$/);
      expect(Object.keys(f.memlockLimit).sort()).toEqual(['hard', 'soft']);
      for (const v of [f.memlockLimit.soft, f.memlockLimit.hard]) {
        expect(v === null || (Number.isInteger(v) && v >= 0)).toBe(true);
      }
    });

    it('release is uname -r', () => {
      expect(f.release).toBe(os.release());
    });

    it('btf matches /sys/kernel/btf/vmlinux', () => {
      expect(f.btf).toBe(existsSync('/sys/kernel/btf/vmlinux'));
    });

    it('capabilities match CapEff in /proc/self/status', () => {
      const caps = effectiveCaps();
      expect(f.capBpf).toBe(hasCap(caps, 39));
      expect(f.capPerfmon).toBe(hasCap(caps, 38));
      expect(f.capSysAdmin).toBe(hasCap(caps, 21));
      if (process.getuid?.() === 0) expect(f.capSysAdmin).toBe(true);
    });

    it('tracefs matches /proc/self/mounts', () => {
      const mounts = tracefsMounts();
      if (mounts.length === 0) expect(f.tracefs).toBeNull();
      else expect(mounts).toContain(f.tracefs);
    });

    it('memlockLimit matches ulimit -l / ulimit -Hl', () => {
      expect(f.memlockLimit.soft).toBe(shellMemlock('-l'));
      expect(f.memlockLimit.hard).toBe(shellMemlock('-Hl'));
      if (f.memlockLimit.soft !== null && f.memlockLimit.hard !== null) {
        expect(f.memlockLimit.soft).toBeLessThanOrEqual(f.memlockLimit.hard);
      }
    });
  });

  // Dropping from root to `nobody` empties the effective capability set: the
  // addon must still answer (no exception, no crash) and report no privilege.
  // Needs root to switch users; SCAP_TS_REQUIRE_LIVE=1 turns a missing root into a failure.
  const notRoot = prerequisite(process.getuid?.() === 0, 'dropping privileges needs root');
  it.skipIf(notRoot)('works without privilege (SCAP_TS_REQUIRE_LIVE requires root)', () => {
    // The checkout may sit in a directory `nobody` cannot enter (mktemp -d is 0700):
    // give the unprivileged child its own readable copy of the addon.
    const dir = mkdtempSync(join(os.tmpdir(), 'scap-nobody-'));
    chmodSync(dir, 0o755);
    const addon = join(dir, 'scap_ts.node');
    copyFileSync(join(root, 'build', 'Release', 'scap_ts.node'), addon);
    chmodSync(addon, 0o755);
    const r = spawnSync(
      process.execPath,
      ['-e', 'console.log(JSON.stringify(require(process.argv[1]).kernelFeatures()))', addon],
      { cwd: dir, uid: 65534, gid: 65534, encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const f = JSON.parse(r.stdout) as KernelFeatures;
    expect(f.capBpf).toBe(false);
    expect(f.capPerfmon).toBe(false);
    expect(f.capSysAdmin).toBe(false);
    expect(f.release).toBe(os.release());
    // Unprivileged users may create a ring buffer map only when
    // kernel.unprivileged_bpf_disabled is 0.
    let unprivBpfDisabled = false; // unknown: make no claim
    try {
      unprivBpfDisabled = readFileSync('/proc/sys/kernel/unprivileged_bpf_disabled', 'utf8').trim() !== '0';
    } catch {}
    if (unprivBpfDisabled) expect(f.ringbufSupported).toBe(false);
  });

  it('kmod engine: more than 4096 tgids is refused before any device is opened; without the module it is UNSUPPORTED', () => {
    const Ctor = (loadNative() as unknown as { BpfCapture: new (o: Record<string, unknown>) => unknown }).BpfCapture;
    const tgids = Array.from({ length: 4097 }, (_, i) => i + 1);
    expect(() => new Ctor({ engine: 'kmod', tgids })).toThrow(RangeError);
    expect(() => new Ctor({ engine: 'kmod', tgids })).toThrow('at most 4096 tgids');
    if (!existsSync('/dev/scap0')) {
      let caught: unknown;
      try {
        new Ctor({ engine: 'kmod', tgids: tgids.slice(0, 4096), schedSwitch: true });
      } catch (err) {
        caught = err;
      }
      expect((caught as { code?: string }).code).toBe('UNSUPPORTED');
    }
  });

  it('throws NativeLoadError when no addon can be found', async () => {
    // node-gyp-build looks in $<NAME>_PREBUILD instead of the package root.
    const envKey = pkg.name.toUpperCase().replace(/-/g, '_') + '_PREBUILD';
    const saved = process.env[envKey];
    process.env[envKey] = join(os.tmpdir(), 'scap-ts-no-such-dir');
    try {
      vi.resetModules(); // a fresh module instance, without the cached binding
      const fresh = await import('../../lib/native/index.js');
      const { NativeLoadError } = await import('../../lib/errors.js');
      let caught: unknown;
      try {
        fresh.loadNative();
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(NativeLoadError);
      expect((caught as InstanceType<typeof NativeLoadError>).code).toBe('ERR_NATIVE_LOAD');
      expect((caught as Error).message).toMatch(/No native build was found/);
      expect((caught as Error).cause).toBeInstanceOf(Error);
    } finally {
      if (saved === undefined) delete process.env[envKey];
      else process.env[envKey] = saved;
      vi.resetModules();
    }
  });

  it('is found by node-gyp-build in the prebuildify layout', () => {
    // PREBUILDS_ONLY makes node-gyp-build skip build/Release.
    const r = spawnSync(
      process.execPath,
      ['-e', "const p = require('node-gyp-build').path(process.argv[1]); console.log(p); console.log(require(p).version())", root],
      { cwd: root, env: { ...process.env, PREBUILDS_ONLY: '1' }, encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const [file, version] = r.stdout.trim().split('\n');
    const name = pkg.name.replace(/^@[^/]+\//, '');
    expect(file).toMatch(
      new RegExp(`/prebuilds/${process.platform}-${process.arch}/${name}(\\.(glibc|musl))?\\.node$`),
    );
    expect(version).toBe(pkg.version);
  });
});
