/**
 * Typed errors. Every error scap-ts throws on bad input is a ScapError with a
 * stable `code` (for programs) and a message saying where and why (for people).
 */
export class ScapError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The native addon could not be loaded (not built, wrong platform, missing library). */
export class NativeLoadError extends ScapError {}

/** A `.scap` file is malformed: `offset` is the byte offset in the (decompressed) stream. */
export class ScapFileError extends ScapError {
  readonly offset: number;
  readonly blockType: number | undefined;
  constructor(code: string, message: string, offset: number, blockType?: number, options?: ErrorOptions) {
    const where = blockType === undefined ? `at byte ${offset}` : `in block 0x${blockType.toString(16)} at byte ${offset}`;
    super(code, `${message} (${where})`, options);
    this.offset = offset;
    this.blockType = blockType;
  }
}

/** An event's bytes disagree with its own lengths or with the event table. */
export class EventDecodeError extends ScapError {
  readonly eventType: number;
  readonly paramIndex: number | undefined;
  constructor(code: string, message: string, eventType: number, paramIndex?: number) {
    super(code, message);
    this.eventType = eventType;
    this.paramIndex = paramIndex;
  }
}

/** The process lacks a privilege live capture needs; `missing` names each one. */
export class PermissionError extends ScapError {
  readonly missing: readonly string[];
  constructor(missing: readonly string[], message?: string, options?: ErrorOptions) {
    super('PERMISSION', message ?? `live capture needs ${missing.join(' and ')} (run as root or grant the capabilities)`, options);
    this.missing = missing;
  }
}

/** The kernel lacks a feature the driver needs; `requirement` names it. */
export class UnsupportedFeatureError extends ScapError {
  readonly requirement: string;
  constructor(requirement: string, message?: string, options?: ErrorOptions) {
    super('UNSUPPORTED', message ?? `this kernel cannot run the eBPF driver: ${requirement}`, options);
    this.requirement = requirement;
  }
}

/** The kernel's verifier rejected a program of the probe; `log` is the verifier's output. */
export class VerifierError extends ScapError {
  readonly log: string;
  constructor(message: string, log: string, options?: ErrorOptions) {
    super('VERIFIER', message, options);
    this.log = log;
  }
}

/**
 * A plugin failed to load or to run: `plugin` names it, `pluginError` is the
 * text of its plugin_get_last_error (empty when it gave none).
 */
export class PluginError extends ScapError {
  readonly plugin: string | undefined;
  readonly pluginError: string;
  constructor(code: string, message: string, plugin?: string, pluginError = '', options?: ErrorOptions) {
    super(code, plugin === undefined ? message : `plugin '${plugin}': ${message}`, options);
    this.plugin = plugin;
    this.pluginError = pluginError;
  }
}

/**
 * A container runtime's API did not give a container's metadata. `code` says
 * why: RUNTIME_UNREACHABLE (no socket, connection refused or reset),
 * RUNTIME_TIMEOUT, RUNTIME_NOT_FOUND (HTTP 404, gRPC NOT_FOUND), RUNTIME_HTTP
 * (another HTTP status), RUNTIME_RPC (another gRPC status), RUNTIME_BAD_RESPONSE
 * (not the JSON or protobuf expected), RUNTIME_ABORTED (the lookup was
 * cancelled, e.g. the capture closed).
 */
export class ContainerRuntimeError extends ScapError {
  /** The runtime asked ('docker', 'podman', 'containerd', 'crio'). */
  readonly runtime: string;
  readonly containerId: string;
  /** The HTTP status (Docker Engine API) or gRPC status (CRI), when the runtime answered. */
  readonly status: number | undefined;
  constructor(code: string, message: string, runtime: string, containerId: string, status?: number, options?: ErrorOptions) {
    super(code, `${runtime} (${containerId}): ${message}`, options);
    this.runtime = runtime;
    this.containerId = containerId;
    this.status = status;
  }
}

/**
 * Bytes that are not the protobuf message expected: `offset` is where in
 * them. Codes: PROTOBUF_TRUNCATED (a varint or a length runs past the end),
 * PROTOBUF_VARINT (a varint over 10 bytes or 64 bits), PROTOBUF_FIELD (field
 * number 0 or over 2^29 - 1), PROTOBUF_WIRE_TYPE (a wire type that is not
 * protobuf's, a group, or not the one the field has).
 */
export class ProtobufError extends ScapError {
  readonly offset: number;
  constructor(code: string, message: string, offset: number) {
    super(code, `${message} (at byte ${offset})`);
    this.offset = offset;
  }
}
