/** The CLI's plugin flags, as sysdig's: -H, -I, --plugin-config-file, -Il. */
import type { PluginConfig, PluginsConfig } from '../plugins/types.js';
import { loadPluginsConfigFile, parseInputFlag, parsePluginFlag } from '../plugins/config.js';
import { PluginManager, selectPlugins } from '../plugins/manager.js';

export interface CliPluginOptions {
  plugin?: string[];
  input?: string;
  pluginConfigFile?: string;
  listPlugins?: boolean;
}

export interface CliPlugins {
  /** The plugins to load (undefined: none given). */
  config: PluginConfig[] | undefined;
  input: { plugin: string; openParams?: string } | undefined;
  list: boolean;
}

/** Plugins from the config file (its load_plugins applied), then -H ones; -I's source. */
export function cliPlugins(o: CliPluginOptions): CliPlugins {
  const list = o.listPlugins === true || o.input === 'l';
  const entries: PluginConfig[] = [];
  if (o.pluginConfigFile) entries.push(...selectPlugins(loadPluginsConfigFile(o.pluginConfigFile) as PluginsConfig));
  for (const h of o.plugin ?? []) entries.push(parsePluginFlag(h));
  const input = o.input !== undefined && o.input !== 'l' ? parseInputFlag(o.input) : undefined;
  return { config: entries.length > 0 || input ? entries : undefined, input, list };
}

/** sysdig -Il's listing of the loaded plugins. */
export async function describePlugins(config: PluginConfig[] | undefined): Promise<string> {
  const m = await PluginManager.load(config ?? []);
  try {
    const infos = m.info();
    const lines = [`${infos.length} Plugins Loaded:`, ''];
    for (const p of infos) {
      lines.push(`Name: ${p.name}`, `Description: ${p.description}`, `Contact: ${p.contact}`, `Version: ${p.version}`, 'Capabilities:');
      if (p.capabilities.sourcing) lines.push(`  - Event Sourcing (ID=${p.id}, source='${p.eventSource}')`);
      if (p.capabilities.extraction) lines.push(`  - Field Extraction (${p.fields.map((f) => f.name).join(', ')})`);
      if (p.capabilities.parsing) lines.push('  - Event Parsing');
      if (p.capabilities.async) lines.push(`  - Async Events (${p.asyncEvents.join(', ')})`);
      if (p.capabilities.captureListening) lines.push('  - Capture Listening');
      const params = p.capabilities.sourcing ? m.get(p.name)!.listOpenParams() : [];
      if (params.length > 0) {
        lines.push('Suggested open params:');
        for (const op of params) lines.push(`  ${op.value}${op.desc ? `  ${op.desc}` : ''}`);
      }
      lines.push('');
    }
    return `${lines.join('\n')}\n`;
  } finally {
    await m.close();
  }
}
