/**
 * What the web console costs the edit path: (1) the work it adds to each edit request — one
 * `ConsoleRecorder.record` and one router-callback outcome — timed in process, and (2) the same
 * 614 KB edit through three `retouch` processes over one draining upstream: `disable_admin_ui:
 * true`, the console on with no tab open (the edit path's own cost), and the console on while a
 * tab polls it every second (five times as often as the pages do; the open tab's cost on top).
 * Rounds rotate so that machine load hits all alike; CPU per edit (from /proc) says more than
 * latency on a loaded machine.
 * @module
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleRecorder, type EditRecord } from '@retouch/proxy';
import { startLoadClient, startRetouch, startUpstream } from './proxy/processes.js';
import { PROXY_KEY, UPSTREAM_KEY } from './proxy/protocol.js';
import { twoImagesAndMask } from './proxy/requests.js';
import { type BodyFile, type Harness, type Measured, measure, type Target } from './proxy/scenarios.js';
import { ms, printTable, summarize, us } from './stats.js';

function recorderCost(iterations = 200_000): { recordUs: number; callbackUs: number } {
  const recorder = new ConsoleRecorder();
  const entry = (i: number): EditRecord => ({
    requestId: `req-${i}`,
    at: Date.now(),
    status: i % 20 === 0 ? 500 : 200,
    ok: i % 20 !== 0,
    stream: i % 4 === 0,
    modelGroup: i % 2 ? 'gpt-image-2' : 'gemini-edit',
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
    modelGroup: 'gpt-image-2',
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

type Variant = 'off' | 'on' | 'polled';
const VARIANTS: readonly Variant[] = ['off', 'on', 'polled'];
const LABELS: Record<Variant, string> = { off: 'off', on: 'on, no tab', polled: 'on, polled 1/s' };

/** Latency over every run of a variant, its spread of per-run medians, and the proxy's CPU per edit. */
function summary(list: readonly Measured[]) {
  const samples = list.flatMap((r) => r.result.samples);
  const wall = list.reduce((sum, r) => sum + r.result.wallMs, 0);
  const p50s = list.map((r) => summarize(r.result.samples).p50);
  const cpu = list.reduce((sum, r) => sum + r.proxyCpuMs, 0);
  return {
    ...summarize(samples),
    rps: (samples.length / wall) * 1000,
    lo: Math.min(...p50s),
    hi: Math.max(...p50s),
    cpuMs: cpu / samples.length,
  };
}

/** Runs the console benchmark and prints its tables. */
export async function benchConsoleOverhead(options: { rounds?: number } = {}): Promise<void> {
  const rounds = options.rounds ?? 6;
  const cost = recorderCost();
  printTable(
    'Console work per edit request, in process (mean of 200,000)',
    ['step', 'µs per edit'],
    [
      ['ConsoleRecorder.record (log ring, minute histogram, day spend)', us(cost.recordUs / 1000)],
      ['router callback outcome + takeOutcome', us(cost.callbackUs / 1000)],
    ],
  );

  const upstream = await startUpstream();
  const client = await startLoadClient();
  const harness: Harness = { client, upstream, budgetMs: 90_000, timeoutMs: 60_000 };
  const dir = await mkdtemp(join(tmpdir(), 'retouch-bench-console-'));
  const config = (extra: string) =>
    `model_list:\n  - model_name: gpt-image-2\n    litellm_params:\n      model: gpt-image-2\n      api_key: ${UPSTREAM_KEY}\n      api_base: ${upstream.url}/v1\nrouter_settings:\n  num_retries: 0\ngeneral_settings:\n  master_key: ${PROXY_KEY}\n${extra}`;
  await writeFile(join(dir, 'on.yaml'), config(''));
  await writeFile(join(dir, 'off.yaml'), config('  disable_admin_ui: true\n'));
  const on = await startRetouch(join(dir, 'on.yaml'));
  const polled = await startRetouch(join(dir, 'on.yaml'));
  const off = await startRetouch(join(dir, 'off.yaml'));
  const request = twoImagesAndMask();
  const body: BodyFile = {
    label: request.label,
    file: join(dir, 'edit.body'),
    bytes: request.body.length,
    contentType: request.type,
  };
  await writeFile(body.file, request.body);
  const headers = { authorization: `Bearer ${PROXY_KEY}` };
  const targets: Record<Variant, Target> = {
    off: { name: 'off', url: `${off.url}/v1/images/edits`, headers, pid: off.pid },
    on: { name: 'on', url: `${on.url}/v1/images/edits`, headers, pid: on.pid },
    polled: { name: 'polled', url: `${polled.url}/v1/images/edits`, headers, pid: polled.pid },
  };
  const poller = pollConsole(polled.url, 1000);
  try {
    for (const target of Object.values(targets))
      await measure(harness, target, body, { total: 50, concurrency: 4 });
    const rows: string[][] = [];
    for (const concurrency of [1, 16]) {
      const total = concurrency === 1 ? 120 : 320;
      const runs: Record<Variant, Measured[]> = { off: [], on: [], polled: [] };
      for (let round = 0; round < rounds; round++) {
        // Each variant goes first, second and third in turn.
        const order = VARIANTS.map((_, k) => VARIANTS[(k + round) % VARIANTS.length] as Variant);
        for (const which of order) {
          const run = await measure(harness, targets[which], body, { total, concurrency });
          if (Object.keys(run.result.errors).length > 0)
            throw new Error(
              `console ${which}: ${JSON.stringify(run.result.errors)} ${run.result.firstError ?? ''}`,
            );
          runs[which].push(run);
        }
      }
      const base = summary(runs.off);
      for (const which of VARIANTS) {
        const s = summary(runs[which]);
        const delta = (v: number) => (which === 'off' ? '' : ms(v));
        rows.push([
          String(concurrency),
          LABELS[which],
          ms(s.p50),
          `${ms(s.lo)}–${ms(s.hi)}`,
          ms(s.p99),
          s.rps.toFixed(0),
          s.cpuMs.toFixed(2),
          delta(s.p50 - base.p50),
          delta(s.cpuMs - base.cpuMs),
        ]);
      }
    }
    const polls = await poller.stop();
    printTable(
      `Edit latency with and without the console: ${request.label}, draining upstream, ${rounds} alternating rounds, ${polls} console polls (overview + logs + models)`,
      [
        'concurrency',
        'console',
        'p50 ms',
        'p50 per round',
        'p99 ms',
        'req/s',
        'CPU ms / edit',
        'Δ p50 ms',
        'Δ CPU ms / edit',
      ],
      rows,
    );
  } finally {
    await poller.stop().catch(() => 0);
    await on.stop();
    await polled.stop();
    await off.stop();
    await client.stop();
    await upstream.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
