/**
 * What the web console costs the edit path: (1) the work it adds to each edit request — one
 * `ConsoleRecorder.record` and one router-callback outcome — timed in process, and (2) the same
 * 615 KB edit through two `retouch` processes over one instant upstream, one with the console
 * and one with `disable_admin_ui: true`, while a console tab polls the first every second (five
 * times as often as the pages do). Rounds alternate so that machine load hits both alike.
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleRecorder, type EditRecord } from '@retouch/proxy';
import {
  benchRequest,
  PROXY_KEY,
  type Run,
  run,
  startInstantUpstream,
  startProxy,
  UPSTREAM_KEY,
} from './proxy-overhead.js';
import { ms, printTable, summarize, us } from './stats.js';

function recorderCost(iterations = 200_000): { recordUs: number; callbackUs: number } {
  const recorder = new ConsoleRecorder();
  const entry = (i: number): EditRecord => ({
    requestId: `req-${i}`,
    at: Date.now(),
    status: i % 20 === 0 ? 500 : 200,
    modelGroup: i % 2 ? 'gpt-image-1' : 'gemini-edit',
    deployment: i % 3 ? 'openai-a' : 'gemini-b',
    provider: 'openai',
    attempts: 1,
    costUsd: 0.042,
    latencyMs: 200 + (i % 700),
    user: `user-${i % 50}`,
    keyAlias: 'team-a',
    keyHash: 'a1b2c3d4e5f6',
    errorCode: null,
    errorMessage: null,
  });
  const payload = (i: number) => ({
    requestId: `req-${i}`,
    modelGroup: 'gpt-image-1',
    deploymentId: 'openai-a',
    provider: 'openai',
    attempts: 1,
    warnings: [],
    event: 'success' as const,
  });
  for (let i = 0; i < 20_000; i++) recorder.record(entry(i));
  const entries = Array.from({ length: iterations }, (_, i) => entry(i));
  const payloads = Array.from({ length: iterations }, (_, i) => payload(i));
  let t = performance.now();
  for (const e of entries) recorder.record(e);
  const recordUs = ((performance.now() - t) / iterations) * 1000;
  t = performance.now();
  for (const p of payloads) {
    recorder.callback.onSuccess?.(p);
    recorder.takeOutcome(p.requestId);
  }
  const callbackUs = ((performance.now() - t) / iterations) * 1000;
  return { recordUs, callbackUs };
}

/** Polls the console API the way an open Overview and Logs tab does, but every `everyMs`. */
function pollConsole(url: string, everyMs: number): { stop(): Promise<number> } {
  let polls = 0;
  let stopped = false;
  const headers = { authorization: `Bearer ${PROXY_KEY}` };
  const loop = (async () => {
    while (!stopped) {
      for (const path of ['overview?minutes=60', 'logs?limit=200', 'models']) {
        const response = await fetch(`${url}/ui/api/${path}`, { headers });
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`/ui/api/${path}: HTTP ${response.status}`);
      }
      polls++;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return polls;
    },
  };
}

const stopProcess = (child: ChildProcess) =>
  new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });

/** Runs the console benchmark and prints its tables. */
export async function benchConsoleOverhead(options: { rounds?: number } = {}): Promise<void> {
  const rounds = options.rounds ?? 4;
  const cost = recorderCost();
  printTable(
    'Console work per edit request, in process (mean of 200,000)',
    ['step', 'µs per edit'],
    [
      ['ConsoleRecorder.record (log ring, minute histogram, day spend)', us(cost.recordUs / 1000)],
      ['router callback outcome + takeOutcome', us(cost.callbackUs / 1000)],
    ],
  );

  const sim = await startInstantUpstream();
  const dir = await mkdtemp(join(tmpdir(), 'retouch-bench-console-'));
  const config = (extra: string) =>
    `model_list:\n  - model_name: gpt-image-1\n    litellm_params:\n      model: gpt-image-1\n      api_key: ${UPSTREAM_KEY}\n      api_base: ${sim.url}/v1\nrouter_settings:\n  num_retries: 0\ngeneral_settings:\n  master_key: ${PROXY_KEY}\n${extra}`;
  await writeFile(join(dir, 'on.yaml'), config(''));
  await writeFile(join(dir, 'off.yaml'), config('  disable_admin_ui: true\n'));
  const on = await startProxy(join(dir, 'on.yaml'));
  const off = await startProxy(join(dir, 'off.yaml'));
  const request = benchRequest();
  const headers = { authorization: `Bearer ${PROXY_KEY}` };
  const reset = () => sim.reset();
  const poller = pollConsole(on.url, 1000);
  try {
    for (const target of [on, off])
      await run(`${target.url}/v1/images/edits`, request, headers, 50, 4, reset);
    const rows: string[][] = [];
    for (const concurrency of [1, 16]) {
      const perRound = concurrency === 1 ? 120 : 320;
      const runs = { on: [] as Run[], off: [] as Run[] };
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
        for (const which of order) {
          const target = which === 'on' ? on : off;
          runs[which].push(
            await run(`${target.url}/v1/images/edits`, request, headers, perRound, concurrency, reset),
          );
        }
      }
      const summary = (list: Run[]) => {
        const samples = list.flatMap((r) => r.samples);
        const wall = list.reduce((s, r) => s + r.wallMs, 0);
        const p50s = list.map((r) => summarize(r.samples).p50);
        return {
          ...summarize(samples),
          rps: (samples.length / wall) * 1000,
          lo: Math.min(...p50s),
          hi: Math.max(...p50s),
        };
      };
      const a = summary(runs.off);
      const b = summary(runs.on);
      rows.push([
        String(concurrency),
        'off',
        ms(a.p50),
        `${ms(a.lo)}–${ms(a.hi)}`,
        ms(a.p99),
        a.rps.toFixed(0),
        '',
        '',
      ]);
      rows.push([
        String(concurrency),
        'on, polled 1/s',
        ms(b.p50),
        `${ms(b.lo)}–${ms(b.hi)}`,
        ms(b.p99),
        b.rps.toFixed(0),
        ms(b.p50 - a.p50),
        ms(b.p99 - a.p99),
      ]);
    }
    const polls = await poller.stop();
    printTable(
      `Edit latency with and without the console: ${(request.body.length / 1024).toFixed(0)} KB multipart edit, instant upstream, ${rounds} alternating rounds, ${polls} console polls (overview + logs + models)`,
      ['concurrency', 'console', 'p50 ms', 'p50 per round', 'p99 ms', 'req/s', 'Δ p50 ms', 'Δ p99 ms'],
      rows,
    );
  } finally {
    await poller.stop().catch(() => 0);
    await stopProcess(on.child);
    await stopProcess(off.child);
    await sim.close();
  }
}
