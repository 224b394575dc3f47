/**
 * A fake Docker Engine API on a unix socket in a temp dir: each request is
 * answered by `route`, and logged (path, and how many were under way at once).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeAnswer {
  status?: number;
  /** An object is sent as JSON, a string as is. */
  body?: unknown;
  /** Waits this long before answering. */
  delayMs?: number;
  /** Never answers. */
  hang?: boolean;
}

export interface FakeEngine {
  socket: string;
  /** Paths asked, in order. */
  readonly paths: string[];
  /** Most requests under way at once. */
  readonly maxConcurrent: number;
  close(): Promise<void>;
}

export async function fakeDockerEngine(route: (path: string) => FakeAnswer): Promise<FakeEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'scap-ts-docker-'));
  const socket = join(dir, 'docker.sock');
  const paths: string[] = [];
  let current = 0;
  let maxConcurrent = 0;
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '';
    paths.push(path);
    current++;
    maxConcurrent = Math.max(maxConcurrent, current);
    res.on('close', () => current--);
    const a = route(path);
    if (a.hang) return;
    const send = () => {
      const body = typeof a.body === 'string' ? a.body : JSON.stringify(a.body ?? { message: 'page not found' });
      res.writeHead(a.status ?? 200, { 'content-type': 'application/json' });
      res.end(body);
    };
    if (a.delayMs) setTimeout(send, a.delayMs);
    else send();
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    socket,
    paths,
    get maxConcurrent() {
      return maxConcurrent;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `cond` every 5 ms until it holds (fails after `ms`). */
export async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
