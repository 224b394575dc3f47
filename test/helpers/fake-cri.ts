/**
 * A fake CRI runtime: gRPC over HTTP/2 on a unix socket in a temp dir. Each
 * call is answered by `route` (given the method's path and the request
 * message, unframed) and logged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Http2Session } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grpcFrame } from '../../lib/state/runtimes/grpc.js';

export interface FakeCriAnswer {
  /** The response message, framed before it is sent. */
  message?: Uint8Array;
  /** Sent as is instead of a framed message. */
  rawBody?: Uint8Array;
  /** grpc-status (default 0); with no message, in the headers alone (trailers-only). */
  grpcStatus?: number;
  grpcMessage?: string;
  /** Never answers. */
  hang?: boolean;
}

export interface FakeCri {
  socket: string;
  /** Calls made, in order: the path and the request message. */
  readonly calls: Array<{ path: string; request: Uint8Array }>;
  close(): Promise<void>;
}

export async function fakeCriRuntime(route: (path: string, request: Uint8Array) => FakeCriAnswer): Promise<FakeCri> {
  const dir = mkdtempSync(join(tmpdir(), 'scap-ts-cri-'));
  const socket = join(dir, 'cri.sock');
  const calls: FakeCri['calls'] = [];
  const sessions = new Set<Http2Session>();
  const server = createServer();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const path = String(headers[':path']);
      const request = Buffer.concat(chunks).subarray(5);
      calls.push({ path, request });
      const a = route(path, request);
      if (a.hang) return;
      const status = { 'grpc-status': String(a.grpcStatus ?? 0), ...(a.grpcMessage ? { 'grpc-message': encodeURIComponent(a.grpcMessage) } : {}) };
      const body = a.rawBody ?? (a.message && grpcFrame(a.message));
      if (!body) {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', ...status }, { endStream: true });
        return;
      }
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers(status));
      stream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    socket,
    calls,
    async close() {
      for (const s of sessions) s.destroy();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
