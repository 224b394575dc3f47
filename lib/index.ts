/**
 * scap-ts: syscall capture for Node.js in Falco's scap event format.
 * Each layer also has its own entry: `scap-ts/events`, `scap-ts/scapfile`,
 * `scap-ts/state`, `scap-ts/fields`, `scap-ts/filter`, `scap-ts/format`,
 * `scap-ts/native`.
 */
export * from './errors.js';
export { Event, EventBatch, encodeEvent, eventInfo, PPME, PT, type EventCode, type TypedEvent, type EventInfo, type ParamInfo } from './events/index.js';
export { ScapReader, ScapWriter, type ScapSection, type FileGeneration, type ScapReaderOptions, type SectionMetadata } from './scapfile/index.js';
export { EventSummary, EventFormatter, DEFAULT_FORMAT, formatLine, isPrintable } from './format/index.js';
export { Inspector, inspect, type InspectorOptions, type InspectorStats, type ContainerRuntimesOptions, type ContainerLookupStats } from './state/index.js';
export { fields, listFields, FIELD_CLASSES, type FieldDef, type FieldClass } from './fields/index.js';
export {
  compileFilter, parseFilter, expandMacros, eventTypesOf, syscallsOf, FilterError, FilterSyntaxError, FilterCompileError,
  type CompiledFilter, type CompileOptions, type FieldSource, type Macros,
} from './filter/index.js';
export { EventPipeline, STATE_SYSCALLS, kernelSyscalls, compileCaptureFilter, type PipelineOptions } from './pipeline.js';
export type { ThreadView, FdView, UserView, EventStateSlot } from './events/index.js';
export { openCapture, Capture, type CaptureOptions, type CaptureStats } from './capture.js';
export type { BpfOptions, BpfStats, CpuStats } from './sources/bpf.js';
export { scanSystem } from './sources/procfs.js';
export { PluginManager, eventSource, loadPluginsConfigFile, type PluginConfig, type PluginsConfig, type PluginInfo, type SourcePlugin, type ExtractorPlugin, type ParserPlugin, type TsPlugin, type PluginEvent, type SourceSpec } from './plugins/index.js';
export { PtraceSource, type PtraceTarget, type PtraceStats } from './sources/ptrace.js';
