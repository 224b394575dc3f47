/**
 * Plugin configuration as Falco and sysdig take it: falco.yaml's `plugins` /
 * `load_plugins` (read with the `yaml` package), sysdig's
 * `-H NAME_OR_PATH[:INITCONFIG]` and `-I NAME[:OPENPARAMS]`, and plugin
 * directories from `SCAP_TS_PLUGIN_DIR` (like sysdig's `SYSDIG_PLUGIN_DIR`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PluginError } from '../errors.js';
import type { PluginConfig, PluginsConfig } from './types.js';

/** Falco's default plugin directory. */
export const FALCO_PLUGIN_DIR = '/usr/share/falco/plugins';

/** Plugin directories: `SCAP_TS_PLUGIN_DIR` (a `:`-separated list), then Falco's. */
export function pluginDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = (env.SCAP_TS_PLUGIN_DIR ?? '').split(delimiter).filter((d) => d !== '');
  return [...dirs, FALCO_PLUGIN_DIR];
}

/**
 * The path of a plugin library: an absolute path as is; a relative one with a
 * `/` from the working directory; otherwise looked for in the plugin
 * directories as given, as `lib<name>.so` and as `<name>.so`.
 */
export function resolveLibrary(nameOrPath: string, dirs: readonly string[] = pluginDirs()): string {
  if (isAbsolute(nameOrPath)) return nameOrPath;
  const candidates = nameOrPath.endsWith('.so') ? [nameOrPath] : [nameOrPath, `lib${nameOrPath}.so`, `${nameOrPath}.so`];
  for (const d of dirs) {
    for (const c of candidates) {
      const p = resolve(d, c);
      if (existsSync(p)) return p;
    }
  }
  if (nameOrPath.includes('/') && existsSync(nameOrPath)) return resolve(nameOrPath);
  throw new PluginError('PLUGIN_NOT_FOUND', `cannot find plugin '${nameOrPath}' in ${dirs.join(', ') || 'no directory'} (set SCAP_TS_PLUGIN_DIR)`, nameOrPath);
}

/** Checks a parsed config object's shape. */
export function checkPluginsConfig(raw: unknown, where = 'config'): PluginsConfig {
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new PluginError('PLUGIN_CONFIG', `${where}: expected a mapping with 'plugins' and 'load_plugins'`);
  const o = raw as Record<string, unknown>;
  const plugins = o.plugins ?? [];
  if (!Array.isArray(plugins)) throw new PluginError('PLUGIN_CONFIG', `${where}: 'plugins' must be a list`);
  plugins.forEach((p: unknown, i) => {
    const e = p as Record<string, unknown>;
    if (typeof e !== 'object' || e === null || typeof e.name !== 'string') throw new PluginError('PLUGIN_CONFIG', `${where}: plugins[${i}] needs a name`);
    if (e.library_path !== undefined && typeof e.library_path !== 'string') throw new PluginError('PLUGIN_CONFIG', `${where}: plugins[${i}].library_path must be a string`);
    if (e.open_params !== undefined && typeof e.open_params !== 'string') throw new PluginError('PLUGIN_CONFIG', `${where}: plugins[${i}].open_params must be a string`);
  });
  const load = o.load_plugins;
  if (load !== undefined && load !== null && (!Array.isArray(load) || !load.every((n) => typeof n === 'string'))) {
    throw new PluginError('PLUGIN_CONFIG', `${where}: 'load_plugins' must be a list of names`);
  }
  return { plugins: plugins as PluginConfig[], load_plugins: (load ?? undefined) as string[] | undefined };
}

/**
 * Reads a falco.yaml-style file. Relative `library_path`s are kept as
 * written (looked up in the plugin directories), except `./x` and `../x`,
 * which are taken from the file's directory.
 */
export function loadPluginsConfigFile(file: string): PluginsConfig {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new PluginError('PLUGIN_CONFIG', `cannot read plugin config ${file}: ${(e as Error).message}`, undefined, '', { cause: e });
  }
  const c = checkPluginsConfig(raw, file);
  const base = dirname(resolve(file));
  return {
    ...c,
    plugins: c.plugins?.map((p) =>
      p.library_path && (p.library_path.startsWith('./') || p.library_path.startsWith('../')) ? { ...p, library_path: join(base, p.library_path) } : p,
    ),
  };
}

/** Splits `NAME[:REST]`, keeping `:` inside REST (init configs are JSON). */
function splitSpec(spec: string): [string, string | undefined] {
  const i = spec.indexOf(':');
  return i < 0 ? [spec, undefined] : [spec.slice(0, i), spec.slice(i + 1)];
}

/** sysdig's `-H NAME_OR_PATH[:INITCONFIG]`: a plugins entry named after the library. */
export function parsePluginFlag(spec: string): PluginConfig {
  const [lib, init] = splitSpec(spec);
  if (lib === '') throw new PluginError('PLUGIN_CONFIG', `-H ${spec}: no plugin name or path`);
  const base = lib.split('/').pop()!.replace(/\.so$/, '').replace(/^lib/, '');
  return { name: base, library_path: lib, init_config: init };
}

/** sysdig's `-I NAME[:OPENPARAMS]`. */
export function parseInputFlag(spec: string): { plugin: string; openParams?: string } {
  const [name, params] = splitSpec(spec);
  if (name === '') throw new PluginError('PLUGIN_CONFIG', `-I ${spec}: no plugin name`);
  return params === undefined ? { plugin: name } : { plugin: name, openParams: params };
}
