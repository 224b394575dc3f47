/**
 * `scap-ts/native`: the native addon (binding/src, built by CMakeLists.txt).
 *
 * The addon is found by node-gyp-build from the package root: a local
 * `build/Release/*.node` first (development), then the prebuildify layout
 * `prebuilds/<platform>-<arch>/scap-ts.<tags>.node` (packages).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { NativeLoadError } from '../errors.js';

const requireCjs = createRequire(import.meta.url);

/**
 * Package root. This module is `lib/native/index.ts` in the sources and
 * `dist/native/index.js` once compiled: two levels below the root either way.
 */
export const packageRoot: string = fileURLToPath(new URL('../../', import.meta.url));

/** A resource limit in bytes; `null` means unlimited. */
export interface ResourceLimit {
  readonly soft: number | null;
  readonly hard: number | null;
}

/** What the running kernel and this process allow, as seen by the addon. */
export interface KernelFeatures {
  /** Kernel release, as `uname -r`. */
  readonly release: string;
  /** `/sys/kernel/btf/vmlinux` is readable (needed by the CO-RE probe). */
  readonly btf: boolean;
  /** CAP_BPF (39) is in the effective capability set. */
  readonly capBpf: boolean;
  /** CAP_PERFMON (38) is in the effective capability set. */
  readonly capPerfmon: boolean;
  /** CAP_SYS_ADMIN (21) is in the effective capability set. */
  readonly capSysAdmin: boolean;
  /** Mount point of tracefs (e.g. `/sys/kernel/tracing`), or `null` if not mounted. */
  readonly tracefs: string | null;
  /** A BPF_MAP_TYPE_RINGBUF map can be created (false too when the probe lacks privilege). */
  readonly ringbufSupported: boolean;
  /** Version of the libbpf the addon runs with, `major.minor`. */
  readonly libbpfVersion: string;
  /** RLIMIT_MEMLOCK of this process, in bytes. */
  readonly memlockLimit: ResourceLimit;
}

/** The raw binding exported by `scap_ts.node`. */
export interface NativeBinding {
  /** The addon's version (package.json's, fixed at build time). */
  version(): string;
  /** Probes the kernel and process; throws an Error with `code: 'ERR_SCAP_NATIVE'` on failure. */
  kernelFeatures(): KernelFeatures;
}

type NodeGypBuild = (dir: string) => unknown;

let binding: NativeBinding | undefined;

function describe(err: unknown): string {
  return err instanceof Error ? err.message.trim() : String(err);
}

/**
 * Loads the addon (once; later calls return the same object).
 * @throws NativeLoadError if it is not built, does not match this platform,
 *   cannot be linked (e.g. libbpf missing) or does not export the expected API.
 */
export function loadNative(): NativeBinding {
  if (binding !== undefined) return binding;
  let loaded: unknown;
  try {
    const nodeGypBuild = requireCjs('node-gyp-build') as NodeGypBuild;
    loaded = nodeGypBuild(packageRoot);
  } catch (err) {
    throw new NativeLoadError(
      'ERR_NATIVE_LOAD',
      `cannot load the scap-ts native addon from ${packageRoot} ` +
        `(build it with \`npm run build:native\`): ${describe(err)}`,
      { cause: err },
    );
  }
  const candidate = loaded as Partial<Record<keyof NativeBinding, unknown>> | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    typeof candidate.version !== 'function' ||
    typeof candidate.kernelFeatures !== 'function'
  ) {
    throw new NativeLoadError(
      'ERR_NATIVE_LOAD',
      `the native addon loaded from ${packageRoot} does not export version() and kernelFeatures()`,
    );
  }
  binding = candidate as NativeBinding;
  return binding;
}

/** The addon's version; equals the package version when the build is current. */
export function nativeVersion(): string {
  return loadNative().version();
}

/** Probes what the kernel and this process allow (capabilities, BTF, tracefs, ringbuf, memlock). */
export function kernelFeatures(): KernelFeatures {
  return loadNative().kernelFeatures();
}
