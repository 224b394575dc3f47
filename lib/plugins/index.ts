/**
 * `scap-ts/plugins`: Falco plugins (shared libraries of the plugin API 3.x)
 * and TypeScript plugins, their fields in the registry, and captures merging
 * several sources. Plugins run in-process and are trusted, as in Falco.
 */
export * from './types.js';
export { PluginError } from '../errors.js';
export { PluginManager, eventSource, selectPlugins, type PluginManagerOptions } from './manager.js';
export { apiCompatible, pluginPayload, pluginIdOf, type LoadedPlugin, type PluginStream } from './plugin.js';
export { loadPluginsConfigFile, checkPluginsConfig, parsePluginFlag, parseInputFlag, pluginDirs, resolveLibrary, FALCO_PLUGIN_DIR } from './config.js';
export { openPluginCapture, MergedSource, type SourceSpec, type PluginCaptureOptions } from './capture.js';
export { validateSchema } from './schema.js';
export { StateTables, type StateTableInfo, type StateFieldInfo, type StateType } from './tables.js';
