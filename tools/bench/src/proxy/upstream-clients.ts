/**
 * `pnpm bench:proxy --clients`: which HTTP client should send retouch's uploads? The 614 KB edit
 * (two 220 KB images and a mask as separate pieces, as a proxy holds them) is posted to the draining
 * upstream at concurrency 16 by each candidate, in alternating rounds, from this process; what is
 * reported is this process's CPU per request (user + system, `process.cpuUsage`), the figure that
 * decides throughput on a busy machine.
 *
 * - `fetch (Blob)`: global `fetch` with the pieces in one Blob, `redirect: 'manual'` (retouch before);
 * - `retouch (node:http)`: core's `createProviderHttp().postForm` with a `MultipartForm`, i.e. what
 *   every provider sends now (`node:http` keep-alive agent, pieces written as they are);
 * - `node:http alone`: the same client without retouch's HTTP layer (headers, error mapping);
 * - `undici Pool (joined)`: `Pool.request` with the pieces joined into one Buffer;
 * - `undici Pool (pieces)`: `Pool.request` with the pieces as an iterable body.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { createProviderHttp, encodeMultipartForm, MultipartForm } from '@retouch/core';
import { Pool } from 'undici';
import { printTable } from '../stats.js';
import { startUpstream } from './processes.js';
import { UPSTREAM_KEY } from './protocol.js';

type Send = () => Promise<unknown>;

/**
 * Compares the upstream client candidates and prints CPU per request and req/s for each.
 *
 * @example
 * ```ts
 * await benchUpstreamClients({ requests: 1500, rounds: 3 });
 * ```
 */
export async function benchUpstreamClients(
  options: { requests?: number; rounds?: number } = {},
): Promise<void> {
  const requests = options.requests ?? 1500;
  const rounds = options.rounds ?? 3;
  const upstream = await startUpstream();
  const pool = new Pool(upstream.url, { connections: 16 });
  const agent = new Agent({ keepAlive: true });
  try {
    const images = [randomBytes(220_000), randomBytes(220_000)];
    const mask = randomBytes(175_000);
    const form = new MultipartForm();
    for (const [i, bytes] of images.entries())
      form.append('image[]', { bytes, filename: `image-${i + 1}.png`, contentType: 'image/png' });
    form.append('mask', { bytes: mask, filename: 'mask.png', contentType: 'image/png' });
    form.append('model', 'gpt-image-1');
    form.append('prompt', 'Put the lamp on the table');
    const encoded = encodeMultipartForm(form);
    const headers = { authorization: `Bearer ${UPSTREAM_KEY}`, 'content-type': encoded.contentType };
    const path = '/v1/images/edits';
    const http = createProviderHttp({
      provider: 'bench',
      baseURL: `${upstream.url}/v1`,
      headers: () => ({ authorization: `Bearer ${UPSTREAM_KEY}` }),
    });
    const viaFetch = createProviderHttp({
      provider: 'bench',
      baseURL: `${upstream.url}/v1`,
      headers: () => ({ authorization: `Bearer ${UPSTREAM_KEY}` }),
      fetch: globalThis.fetch,
    });
    const signal = () => new AbortController().signal;
    const candidates: [string, Send][] = [
      ['fetch (Blob)', () => viaFetch.postForm('/images/edits', form, { signal: signal() })],
      ['retouch (node:http)', () => http.postForm('/images/edits', form, { signal: signal() })],
      [
        'node:http alone',
        () =>
          new Promise((resolve, reject) => {
            const request = httpRequest(
              `${upstream.url}${path}`,
              {
                method: 'POST',
                agent,
                headers: { ...headers, 'content-length': encoded.length },
                signal: signal(),
              },
              (response) => {
                const chunks: Buffer[] = [];
                response.on('data', (chunk: Buffer) => chunks.push(chunk));
                response.once('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
                response.once('error', reject);
              },
            );
            request.once('error', reject);
            for (const chunk of encoded.chunks) request.write(chunk);
            request.end();
          }),
      ],
      [
        'undici Pool (joined)',
        async () => {
          const body = Buffer.concat(encoded.chunks, encoded.length);
          const r = await pool.request({ path, method: 'POST', headers, body, signal: signal() });
          return JSON.parse(await r.body.text());
        },
      ],
      [
        'undici Pool (pieces)',
        async () => {
          const r = await pool.request({
            path,
            method: 'POST',
            headers: { ...headers, 'content-length': String(encoded.length) },
            // undici takes any iterable body; its types list only the common ones.
            body: encoded.chunks as unknown as Buffer,
            signal: signal(),
          });
          return JSON.parse(await r.body.text());
        },
      ],
    ];
    const run = async (send: Send, total: number) => {
      let next = 0;
      const cpu = process.cpuUsage();
      const started = performance.now();
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next++ < total) await send();
        }),
      );
      const used = process.cpuUsage(cpu);
      return {
        cpuMs: (used.user + used.system) / 1000 / total,
        perSecond: total / ((performance.now() - started) / 1000),
      };
    };
    for (const [, send] of candidates) await run(send, 200);
    const results = new Map<string, { cpuMs: number[]; perSecond: number[] }>();
    for (let round = 0; round < rounds; round++) {
      // Each round in a rotated order, so that no candidate always follows the same one.
      for (let i = 0; i < candidates.length; i++) {
        const [name, send] = candidates[(i + round) % candidates.length] as [string, Send];
        const { cpuMs, perSecond } = await run(send, requests);
        const entry = results.get(name) ?? { cpuMs: [], perSecond: [] };
        entry.cpuMs.push(cpuMs);
        entry.perSecond.push(perSecond);
        results.set(name, entry);
      }
    }
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    printTable(
      `Upstream clients: ${encoded.length} B multipart in ${encoded.chunks.length} pieces, concurrency 16, ${rounds} rounds of ${requests}; CPU of the sending process`,
      ['client', 'CPU ms/req (median)', 'rounds', 'req/s (median)'],
      candidates.map(([name]) => {
        const r = results.get(name) as { cpuMs: number[]; perSecond: number[] };
        return [
          name,
          median(r.cpuMs).toFixed(2),
          r.cpuMs.map((v) => v.toFixed(2)).join('/'),
          median(r.perSecond).toFixed(0),
        ];
      }),
    );
  } finally {
    agent.destroy();
    await pool.close();
    await upstream.stop();
  }
}
