/**
 * One unary gRPC call over HTTP/2 on a unix socket, with Node's own http2
 * (gRPC's wire protocol, PROTOCOL-HTTP2.md): a POST of one length-prefixed
 * message, answered by one such message and a `grpc-status` trailer, or by
 * headers alone carrying the status when the call failed at once
 * ("trailers-only"). Compression is never asked for, so a compressed
 * answer is a bad one.
 */
import { connect as connectHttp2, constants as h2 } from 'node:http2';
import { connect as connectNet } from 'node:net';
import type { ContainerRuntimeError } from '../../errors.js';

/** gRPC's status codes that a caller tells apart. */
export const GRPC_STATUS = { OK: 0, NOT_FOUND: 5 } as const;

/** An answer larger than this is not a container's status. */
const MAX_RESPONSE_BYTES = 16 << 20;

export interface GrpcCall {
  /** Path of the server's unix socket. */
  socket: string;
  /** `/<package>.<Service>/<Method>`. */
  path: string;
  /** The request message, encoded. */
  request: Uint8Array;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Makes the error a failure rejects with (RUNTIME_UNREACHABLE, _TIMEOUT, _ABORTED, _HTTP, _RPC, _NOT_FOUND, _BAD_RESPONSE). */
  error(code: string, message: string, status?: number, cause?: unknown): ContainerRuntimeError;
}

/** The 5-byte prefix of a gRPC message: not compressed, then its length, big-endian. */
export function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

/** The one message of an answer's body. */
function unframe(body: Buffer, call: GrpcCall): Uint8Array {
  if (body.length < 5) throw call.error('RUNTIME_BAD_RESPONSE', `${call.path}: an answer of ${body.length} bytes has no gRPC message`);
  if (body[0] !== 0) throw call.error('RUNTIME_BAD_RESPONSE', `${call.path}: the answer is compressed (flag ${body[0]}), which was not asked for`);
  const length = body.readUInt32BE(1);
  if (length !== body.length - 5) throw call.error('RUNTIME_BAD_RESPONSE', `${call.path}: a gRPC message of ${length} bytes in ${body.length - 5}`);
  return body.subarray(5);
}

/** The answer's message; rejects with a ContainerRuntimeError made by `call.error`. */
export function grpcUnary(call: GrpcCall): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const { path, timeoutMs } = call;
    // One connection per call: lookups are made once per container, and an open session would hold the process.
    const session = connectHttp2('http://localhost', { createConnection: () => connectNet(call.socket) });
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      call.signal?.removeEventListener('abort', onAbort);
      session.destroy();
      f();
    };
    const fail = (e: ContainerRuntimeError) => settle(() => reject(e));
    const unreachable = (e: unknown) => {
      // A stream cancelled by its session's failure carries that failure (ENOENT, ECONNREFUSED) as its cause.
      const cancelled = e as NodeJS.ErrnoException;
      const err = (cancelled?.code === 'ERR_HTTP2_STREAM_CANCEL' && cancelled.cause ? cancelled.cause : e) as NodeJS.ErrnoException;
      fail(call.error('RUNTIME_UNREACHABLE', `${call.socket}: ${err?.code ?? err?.message ?? String(e)}`, undefined, err));
    };
    const onAbort = () => fail(call.error('RUNTIME_ABORTED', 'lookup cancelled'));
    const timer = setTimeout(() => fail(call.error('RUNTIME_TIMEOUT', `no answer to ${path} within ${timeoutMs} ms`)), timeoutMs);
    if (call.signal?.aborted) return onAbort();
    call.signal?.addEventListener('abort', onAbort, { once: true });
    session.on('error', unreachable);

    const stream = session.request({
      [h2.HTTP2_HEADER_METHOD]: 'POST',
      [h2.HTTP2_HEADER_PATH]: path,
      [h2.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
      te: 'trailers',
    });
    stream.on('error', unreachable);
    let status: { code: number; message: string } | undefined;
    const statusOf = (headers: Record<string, unknown>) => {
      const code = headers['grpc-status'];
      if (code === undefined) return;
      const message = headers['grpc-message'];
      // grpc-message is percent-encoded; a malformed one is shown as it came.
      let text = typeof message === 'string' ? message : '';
      try {
        text = decodeURIComponent(text);
      } catch {
        // kept as is
      }
      status = { code: Number(code), message: text };
    };
    stream.on('response', (headers) => {
      const httpStatus = Number(headers[h2.HTTP2_HEADER_STATUS]);
      if (httpStatus !== 200) fail(call.error('RUNTIME_HTTP', `HTTP ${httpStatus} for ${path}`, httpStatus));
      else statusOf(headers);
    });
    stream.on('trailers', statusOf);
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_RESPONSE_BYTES) chunks.push(c);
      else fail(call.error('RUNTIME_BAD_RESPONSE', `the answer to ${path} is over ${MAX_RESPONSE_BYTES} bytes`));
    });
    stream.on('end', () => {
      if (!status) return fail(call.error('RUNTIME_BAD_RESPONSE', `the answer to ${path} has no grpc-status`));
      if (status.code === GRPC_STATUS.NOT_FOUND) return fail(call.error('RUNTIME_NOT_FOUND', `${path}: ${status.message || 'not found'}`, status.code));
      if (status.code !== GRPC_STATUS.OK) return fail(call.error('RUNTIME_RPC', `${path}: gRPC status ${status.code}${status.message ? `: ${status.message}` : ''}`, status.code));
      try {
        const message = unframe(Buffer.concat(chunks), call);
        settle(() => resolve(message));
      } catch (e) {
        fail(e as ContainerRuntimeError);
      }
    });
    stream.on('close', () => fail(call.error('RUNTIME_UNREACHABLE', `the stream closed before the answer to ${path} ended`)));
    stream.end(grpcFrame(call.request));
  });
}
