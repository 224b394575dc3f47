/**
 * `scap-ts/state`: the Inspector and its tables (threads, fds, users,
 * containers), as libsinsp keeps them.
 */
export { Inspector, type InspectorOptions, type InspectorStats } from './inspector.js';
export { EventContext, type FieldResolver } from './context.js';
export { ThreadInfo, ThreadTable, CL, type ThreadTableLimits } from './threads.js';
export { FdInfo, FdTable, FD_TYPE, FDF, L4 } from './fds.js';
export { UserTable } from './users.js';
export { ContainerTable, containerFromCgroups, containerJsonEvent, type ContainerInfo, type ContainerMatch, type ContainerMount, type ContainerRuntime } from './containers.js';
export {
  ContainerMetadataLookup, CriClient, DockerEngineClient, containerLookupFor, splitContainerImage,
  type ContainerLookupOptions, type ContainerLookupStats, type ContainerRuntimeClient, type ContainerRuntimesOptions, type CriOptions, type DockerEngineOptions, type EngineContainerInfo, type ImageReference,
} from './runtimes/index.js';
export { procThreadLookup } from './live.js';
export { inspect } from './inspect.js';
