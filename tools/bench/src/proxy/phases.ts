/**
 * Where a single edit's added latency goes: `pnpm bench:proxy --phases` sends the 615 KB edit one at
 * a time (concurrency 1) straight to an upstream, through the node floor and through retouch, and
 * splits each request's time at the points the upstream sees: the client starts sending → the
 * upstream's first body byte (the proxy's inbound work: read, parse, check, route, build the
 * upstream request) → the upstream's last byte → the upstream's answer → the client's first answer
 * byte (the proxy's outbound work). The client and the upstream share this process, so every mark
 * is on one monotonic clock; the proxies run in their own processes as in the other scenarios.
 * @module
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPng } from '@retouch/testing';
import { ms, printTable } from '../stats.js';
import { type BenchServer, startFloorProxy, startRetouch } from './processes.js';
import { PROXY_KEY, UPSTREAM_KEY, oneDeploymentConfig } from './protocol.js';
import { twoImagesAndMask } from './requests.js';
import { quantile } from './scenarios.js';

interface Marks {
  sent: number;
  upstreamFirst: number;
  upstreamLast: number;
  upstreamAnswered: number;
  clientFirst: number;
  clientLast: number;
}

const now = (): number => Number(process.hrtime.bigint()) / 1e6;

const ANSWER = JSON.stringify({
  created: 1,
  data: [{ b64_json: createPng(8, 8).toString('base64') }],
  usage: {
    input_tokens: 600,
    output_tokens: 272,
    total_tokens: 872,
    input_tokens_details: { image_tokens: 580, text_tokens: 20 },
  },
  background: 'opaque',
  output_format: 'png',
  quality: 'low',
  size: '1024x1024',
});

/**
 * Prints the median of each phase for direct, the node floor and retouch, and what each proxy adds
 * to it.
 *
 * @example
 * ```ts
 * await benchPhases({ requests: 1000, warmupSeconds: 5 });
 * ```
 */
export async function benchPhases(
  options: {
    /** Measured requests per target. Defaults to 1,000. */
    requests?: number;
    /** Seconds of unmeasured requests per target first. Defaults to 5. */
    warmupSeconds?: number;
  } = {},
): Promise<void> {
  const requests = options.requests ?? 1000;
  let marks: Partial<Marks> = {};
  const upstream = createServer((incoming, outgoing) => {
    incoming.on('data', () => {
      marks.upstreamFirst ??= now();
    });
    incoming.on('end', () => {
      marks.upstreamLast = now();
      const authorized = incoming.headers.authorization === `Bearer ${UPSTREAM_KEY}`;
      outgoing.writeHead(authorized ? 200 : 401, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(ANSWER),
      });
      outgoing.end(ANSWER);
      marks.upstreamAnswered = now();
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const dir = await mkdtemp(join(tmpdir(), 'retouch-bench-phases-'));
  const configFile = join(dir, 'config.yaml');
  await writeFile(configFile, oneDeploymentConfig(upstreamUrl));
  const edit = twoImagesAndMask();
  const started: BenchServer[] = [];
  try {
    const floor = await startFloorProxy(upstreamUrl);
    started.push(floor);
    const retouch = await startRetouch(configFile);
    started.push(retouch);
    const targets = [
      { name: 'direct', url: upstreamUrl, key: UPSTREAM_KEY },
      { name: 'node floor', url: floor.url, key: PROXY_KEY },
      { name: 'retouch', url: retouch.url, key: PROXY_KEY },
    ];
    const runs: { name: string; phases: number[][] }[] = [];
    for (const target of targets) {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const url = new URL(`${target.url}/v1/images/edits`);
      const once = () =>
        new Promise<Marks>((resolve, reject) => {
          marks = {};
          const call = httpRequest(
            {
              agent,
              host: url.hostname,
              port: url.port,
              path: url.pathname,
              method: 'POST',
              headers: {
                authorization: `Bearer ${target.key}`,
                'content-type': edit.type,
                'content-length': edit.body.length,
              },
            },
            (answer) => {
              if (answer.statusCode !== 200)
                reject(new Error(`${target.name} answered ${answer.statusCode}`));
              answer.on('data', () => {
                marks.clientFirst ??= now();
              });
              answer.on('end', () => resolve({ ...marks, clientLast: now() } as Marks));
            },
          );
          call.on('error', reject);
          marks.sent = now();
          call.end(edit.body);
        });
      const warmUntil = now() + (options.warmupSeconds ?? 5) * 1000;
      while (now() < warmUntil) await once();
      const phases: number[][] = [[], [], [], [], []];
      for (let i = 0; i < requests; i++) {
        const m = await once();
        phases[0]?.push(m.clientLast - m.sent);
        phases[1]?.push(m.upstreamFirst - m.sent);
        phases[2]?.push(m.upstreamLast - m.upstreamFirst);
        phases[3]?.push(m.clientFirst - m.upstreamAnswered);
        phases[4]?.push(m.clientLast - m.clientFirst);
      }
      agent.destroy();
      runs.push({ name: target.name, phases });
    }
    const median = (values: number[] | undefined) => quantile(values ?? [], 0.5);
    const direct = runs[0]?.phases ?? [];
    printTable(
      `Phases of one ${edit.label} at concurrency 1, median ms of ${requests} (added to direct in brackets)`,
      [
        'path',
        'whole',
        'sent → upstream first byte',
        'upstream receives',
        'upstream answered → client first byte',
        'client receives',
      ],
      runs.map(({ name, phases }) => [
        name,
        ...phases.map((values, i) => {
          const value = median(values);
          return name === 'direct' ? ms(value) : `${ms(value)} (+${ms(value - median(direct[i]))})`;
        }),
      ]),
    );
  } finally {
    await Promise.allSettled(started.map((server) => server.stop()));
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  }
}
