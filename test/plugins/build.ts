/** Builds the C test plugin (and its variants for the loader's error cases) with `cc -shared`. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEST_PLUGIN_SOURCE = fileURLToPath(new URL('./testplugin.c', import.meta.url));

let dir: string | undefined;

/** Compiles testplugin.c with `defines` into `<tmp>/lib<name>.so`; returns the path. */
export function buildTestPlugin(name: string, defines: Record<string, string | number | true> = {}): string {
  dir ??= mkdtempSync(join(tmpdir(), 'scap-ts-plugins-'));
  const out = join(dir, `lib${name}.so`);
  const args = ['-shared', '-fPIC', '-O1', '-fvisibility=hidden', '-o', out, TEST_PLUGIN_SOURCE, '-lpthread'];
  for (const [k, v] of Object.entries(defines)) args.push(v === true ? `-D${k}` : typeof v === 'string' ? `-D${k}="${v}"` : `-D${k}=${v}`);
  execFileSync('cc', args, { stdio: 'pipe' });
  return out;
}

/** The directory the plugins are built in. */
export function testPluginDir(): string {
  dir ??= mkdtempSync(join(tmpdir(), 'scap-ts-plugins-'));
  return dir;
}
