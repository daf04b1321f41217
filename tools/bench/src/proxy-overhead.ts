/**
 * The proxy's added latency, throughput and memory: the same 615 KB multipart edit (2 images + a
 * mask, as curl sends it) posted straight to an upstream simulator that answers instantly, and
 * through `retouch --config` (the real CLI, in its own process) in front of that simulator, at
 * concurrency 1 and 16. Rounds alternate so that drift hits both paths alike.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createNoisePng,
  createOpenAIMask,
  createPng,
  type Simulator,
  startSimulator,
} from '@retouch/testing';
import { ms, printTable, summarize } from './stats.js';

export const UPSTREAM_KEY = 'sk-bench-upstream';
export const PROXY_KEY = 'sk-bench-proxy';
const TARGET_BYTES = 615 * 1024;
const CLI = fileURLToPath(new URL('../../../packages/proxy/dist/cli.js', import.meta.url));

/** A multipart body byte for byte as `curl -F` writes it. */
function curlForm(parts: { name: string; value?: string; file?: Uint8Array }[]): {
  body: Buffer;
  type: string;
} {
  const boundary = '------------------------bench0123456789abcdef';
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n`));
    if (part.file) {
      chunks.push(
        Buffer.from(
          `Content-Disposition: form-data; name="${part.name}"; filename="${part.name}.png"\r\nContent-Type: image/png\r\n\r\n`,
        ),
        Buffer.from(part.file),
        Buffer.from('\r\n'),
      );
    } else
      chunks.push(
        Buffer.from(`Content-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`),
      );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

/** The benchmark request: two noise images (incompressible) and a mask, about 615 KB in all. */
export function benchRequest(): { body: Buffer; type: string } {
  const build = (side: number) =>
    curlForm([
      { name: 'model', value: 'gpt-image-1' },
      { name: 'prompt', value: 'Put the object from the second image into the masked area of the first' },
      { name: 'image', file: createNoisePng(side, side, 1) },
      { name: 'image', file: createNoisePng(side, side, 2) },
      { name: 'mask', file: createOpenAIMask(side, side, { x: 0, y: 0, width: side / 2, height: side / 2 }) },
    ]);
  let side = 64;
  while (build(side + 2).body.length <= TARGET_BYTES) side += 2;
  return build(side);
}

/** One timed run: each request's latency and the whole run's wall time. */
export interface Run {
  samples: number[];
  wallMs: number;
}

/** Posts `request` `total` times, `concurrency` at a time; throws on any non-2xx answer. */
export async function run(
  url: string,
  request: { body: Buffer; type: string },
  headers: Record<string, string>,
  total: number,
  concurrency: number,
  between: () => void,
): Promise<Run> {
  let started = 0;
  const samples: number[] = [];
  const worker = async () => {
    while (started < total) {
      started++;
      if (started % 32 === 0) between();
      const t = performance.now();
      const response = await fetch(url, {
        method: 'POST',
        headers: { ...headers, 'content-type': request.type },
        body: request.body,
      });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      samples.push(performance.now() - t);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { samples, wallMs: performance.now() - t0 };
}

/** Starts the real `retouch` CLI in its own process; resolves once it listens. */
export async function startProxy(configFile: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [CLI, '--config', configFile, '--port', '0', '--host', '127.0.0.1', '--log-level', 'warn'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(text);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`retouch exited with ${code} before listening:\n${text}`)));
  });
  return { child, url };
}

/** Peak resident memory of a process, MiB. */
export async function peakRssMiB(pid: number | undefined): Promise<string> {
  if (pid === undefined) return 'n/a';
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(kb) ? (kb / 1024).toFixed(0) : 'n/a';
  } catch {
    return 'n/a';
  }
}

/** An OpenAI-shaped upstream that answers every edit at once with a tiny image and real usage. */
export function startInstantUpstream(): Promise<Simulator> {
  const tinyPng = createPng(8, 8).toString('base64');
  return startSimulator({
    name: 'instant-openai',
    handle: () => ({
      status: 200,
      json: {
        created: Math.floor(Date.now() / 1000),
        data: [{ b64_json: tinyPng }],
        usage: {
          input_tokens: 600,
          output_tokens: 272,
          total_tokens: 872,
          input_tokens_details: { image_tokens: 580, text_tokens: 20 },
        },
      },
    }),
    errorBody: (_status, message, code) => ({
      error: { message, type: 'invalid_request_error', param: null, code },
    }),
  });
}

/** Runs the proxy benchmark and prints its table. */
export async function benchProxyOverhead(
  options: { perRound?: number; rounds?: number } = {},
): Promise<void> {
  const rounds = options.rounds ?? 2;
  const sim = await startInstantUpstream();
  const dir = await mkdtemp(join(tmpdir(), 'retouch-bench-'));
  const configFile = join(dir, 'config.yaml');
  await writeFile(
    configFile,
    `model_list:\n  - model_name: gpt-image-1\n    litellm_params:\n      model: gpt-image-1\n      api_key: ${UPSTREAM_KEY}\n      api_base: ${sim.url}/v1\nrouter_settings:\n  num_retries: 0\ngeneral_settings:\n  master_key: ${PROXY_KEY}\n`,
  );
  const { child, url } = await startProxy(configFile);
  const request = benchRequest();
  const direct = `${sim.url}/v1/images/edits`;
  const proxied = `${url}/v1/images/edits`;
  const reset = () => sim.reset();
  try {
    // Warm both paths (JIT, connection pools).
    await run(direct, request, { authorization: `Bearer ${UPSTREAM_KEY}` }, 50, 4, reset);
    await run(proxied, request, { authorization: `Bearer ${PROXY_KEY}` }, 50, 4, reset);
    const rows: string[][] = [];
    for (const concurrency of [1, 16]) {
      const perRound = options.perRound ?? (concurrency === 1 ? 150 : 400);
      const runs = { direct: [] as Run[], proxy: [] as Run[] };
      for (let round = 0; round < rounds; round++) {
        runs.direct.push(
          await run(
            direct,
            request,
            { authorization: `Bearer ${UPSTREAM_KEY}` },
            perRound,
            concurrency,
            reset,
          ),
        );
        runs.proxy.push(
          await run(proxied, request, { authorization: `Bearer ${PROXY_KEY}` }, perRound, concurrency, reset),
        );
      }
      const summary = (list: Run[]) => {
        const samples = list.flatMap((r) => r.samples);
        const wall = list.reduce((s, r) => s + r.wallMs, 0);
        return { ...summarize(samples), rps: (samples.length / wall) * 1000 };
      };
      const d = summary(runs.direct);
      const p = summary(runs.proxy);
      const rss = await peakRssMiB(child.pid);
      rows.push([String(concurrency), 'direct', ms(d.p50), ms(d.p99), d.rps.toFixed(0), '', '', '', '']);
      rows.push([
        String(concurrency),
        'proxy',
        ms(p.p50),
        ms(p.p99),
        p.rps.toFixed(0),
        ms(p.p50 - d.p50),
        ms(p.p99 - d.p99),
        `${(p.p50 / d.p50).toFixed(2)}x / ${(p.rps / d.rps).toFixed(2)}x`,
        rss,
      ]);
    }
    printTable(
      `Proxy overhead: ${(request.body.length / 1024).toFixed(0)} KB multipart edit (2 images + mask), instant upstream, retouch in its own process`,
      [
        'concurrency',
        'path',
        'p50 ms',
        'p99 ms',
        'req/s',
        'added p50 ms',
        'added p99 ms',
        'ratio p50 / req/s',
        'proxy peak RSS MiB',
      ],
      rows,
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await sim.close();
  }
}
