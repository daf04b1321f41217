/**
 * Router deadlines survive garbage collection, proven in a real Node process (jest's sandbox keeps
 * alive objects that a plain process collects, which hides the bug): with the code warmed and GC
 * forced over and over, every hung attempt ends at the deployment's `timeout`, every hung call at
 * the call's `timeout`, and a caller's abort reaches the upstream socket (the server sees it close).
 * On Node 20, `AbortSignal.any`/`AbortSignal.timeout` and a signal passed through `new Request()`
 * can be collected mid-call; such calls then hang until undici's own 300 s timeouts.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { GcScenarioReport } from './test-support/gc-child.js';

const GC_CALLS = 12;
const GC_DEADLINE_S = 0.4;

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./test-support/gc-child.ts', import.meta.url));

let server: Server;
let base: string;
const hung = new Set<Socket>();

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    // Every submit (POST) is answered; polls (GET) under /hang never are.
    if (req.url?.startsWith('/ok') || req.method === 'POST') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'task-1', b64: Buffer.from('x').toString('base64') }));
      return;
    }
    hung.add(req.socket);
    req.socket.on('close', () => hung.delete(req.socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function until(condition: () => boolean, ms = 15_000): Promise<boolean> {
  const end = performance.now() + ms;
  while (!condition() && performance.now() < end) await new Promise((resolve) => setTimeout(resolve, 20));
  return condition();
}

it('ends every hung call at its deadline and carries every abort to the socket, under forced GC', async () => {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--expose-gc',
      '--conditions=@retouch/source',
      '--import',
      './tools/ts-run/register.mjs',
      CHILD,
      base,
      String(GC_CALLS),
      String(GC_DEADLINE_S),
    ],
    { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, NODE_OPTIONS: '' } },
  );
  const reports: GcScenarioReport[] = [];
  const socketsOpenAfter: number[] = [];
  child.on('message', (message: GcScenarioReport | { waiting: number }) => {
    if ('waiting' in message) {
      // Abort once the server holds every request of the scenario.
      until(() => hung.size >= message.waiting).then(() => child.send('abort'));
    } else reports.push(message);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    // Generous: the child compiles its sources and warms up first, on a machine that may be loaded.
    const end = performance.now() + 150_000;
    for (let n = 1; n <= 3; n++) {
      expect(await until(() => reports.length >= n, end - performance.now())).toBe(true);
      socketsOpenAfter.push((await until(() => hung.size === 0, 5_000)) ? 0 : hung.size);
    }
    expect(await exited).toBe(0);
  } finally {
    child.kill();
  }
  expect(reports.map((r) => r.scenario)).toEqual(['attempt timeout', 'call timeout', 'abort']);
  for (const report of reports) {
    expect(report.outcomes).toHaveLength(GC_CALLS);
    const expected = report.scenario === 'abort' ? 'APIUserAbortError' : 'TimeoutError';
    expect(report.outcomes.map((o) => o.ended)).toEqual(Array(GC_CALLS).fill(expected));
    if (report.scenario !== 'abort') {
      // Named with its scenario, so that a call ended before its deadline says where.
      const early = report.outcomes.filter((o) => o.ms < GC_DEADLINE_S * 1000 - 5).map((o) => o.ms);
      expect({ scenario: report.scenario, early }).toEqual({ scenario: report.scenario, early: [] });
    }
  }
  // The server saw every hung socket close: no call left anything open upstream.
  expect(socketsOpenAfter).toEqual([0, 0, 0]);
}, 200_000);
