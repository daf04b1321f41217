/**
 * The benchmark's load generator, run in its own process so that its work never shares an event
 * loop with the upstream or the proxy. It takes {@link LoadJob}s over IPC and answers each with a
 * {@link LoadResult}. Requests go through `node:http` with a keep-alive agent (one socket per
 * concurrent request, reused): the cheapest client Node has, the same for every target.
 * @module
 */
import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import type { LoadJob, LoadResult } from './protocol.js';

const bodies = new Map<string, Buffer>();
const agents = new Map<string, Agent>();

function bodyOf(file: string): Buffer {
  let body = bodies.get(file);
  if (!body) {
    body = readFileSync(file);
    bodies.set(file, body);
  }
  return body;
}

/** One agent per target and concurrency, kept across runs so that warm-up connections are reused. */
function agentFor(url: URL, concurrency: number): Agent {
  const key = `${url.host}|${concurrency}`;
  let agent = agents.get(key);
  if (!agent) {
    agent = new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
    agents.set(key, agent);
  }
  return agent;
}

interface Outcome {
  ms: number;
  firstEventMs?: number;
  status: number;
  text: string;
  completed: boolean;
}

function once(job: LoadJob, url: URL, agent: Agent, body: Buffer): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = httpRequest(
      {
        agent,
        hostname: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { ...job.headers, 'content-type': job.contentType, 'content-length': body.length },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        let text = '';
        let firstEventMs: number | undefined;
        let tail = '';
        let completed = false;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          // Keep what a check needs: the start of the answer, and a stream until its first partial.
          if (text.length < 4096 || (job.stream && firstEventMs === undefined)) text += chunk;
          if (!job.stream) return;
          if (firstEventMs === undefined) {
            const at = text.indexOf('partial_image');
            if (at >= 0 && text.indexOf('\n\n', at) >= 0) firstEventMs = performance.now() - started;
          }
          tail = (tail + chunk).slice(-64 - chunk.length);
          completed ||= tail.includes('image_edit.completed');
        });
        res.on('end', () =>
          resolve({
            ms: performance.now() - started,
            firstEventMs,
            status,
            text,
            completed: job.stream ? completed : text.includes('"data"'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(job.timeoutMs, () => req.destroy(new Error(`no answer in ${job.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function run(job: LoadJob): Promise<LoadResult> {
  const url = new URL(job.url);
  const body = bodyOf(job.bodyFile);
  const agent = agentFor(url, job.concurrency);
  const result: LoadResult = {
    id: job.id,
    samples: [],
    firstEvent: [],
    wallMs: 0,
    errors: {},
    cutShort: false,
  };
  const fail = (key: string, text: string) => {
    result.errors[key] = (result.errors[key] ?? 0) + 1;
    result.firstError ??= text.slice(0, 300);
  };
  const t0 = performance.now();
  let started = 0;
  const worker = async () => {
    while (started < job.total) {
      if (performance.now() - t0 > job.budgetMs) {
        result.cutShort = true;
        return;
      }
      started++;
      try {
        const outcome = await once(job, url, agent, body);
        const complete = outcome.completed && (!job.stream || outcome.firstEventMs !== undefined);
        if (outcome.status !== 200) fail(String(outcome.status), outcome.text);
        else if (!complete) fail('incomplete', outcome.text);
        else {
          result.samples.push(outcome.ms);
          if (outcome.firstEventMs !== undefined) result.firstEvent.push(outcome.firstEventMs);
        }
      } catch (error) {
        fail((error as { code?: string }).code ?? 'error', (error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  result.wallMs = performance.now() - t0;
  return result;
}

process.on('message', (job: LoadJob) => {
  run(job).then(
    (result) => process.send?.(result),
    (error: Error) =>
      process.send?.({
        id: job.id,
        samples: [],
        firstEvent: [],
        wallMs: 0,
        errors: { crash: 1 },
        firstError: error.message,
        cutShort: true,
      }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
