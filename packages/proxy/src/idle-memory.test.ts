import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from '@jest/globals';
import { type Simulator, startOpenAISimulator } from '@retouch/testing';
import { pino } from 'pino';
import { parseConfig } from './config/load-config.js';
import { fullGc, type IdleMemoryRelease, releaseMemoryWhenIdle } from './idle-memory.js';
import { createProxyServer } from './server.js';
import { configText, IMAGE, MASTER_KEY, postForm, UPSTREAM_KEY } from './test-support/harness.js';

const MIB = 1024 * 1024;
const IDLE_MS = 60;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What each test started, closed after it. */
const running: { close(): Promise<void> }[] = [];

/**
 * A loopback server whose requests stay open until `answer()`, watched by `releaseMemoryWhenIdle`
 * with a memory figure the test sets and a collection it counts (and that brings memory back).
 */
async function watched(options: { idleMs?: number; busy?: () => boolean } = {}) {
  const open: ServerResponse[] = [];
  let started = 0;
  let arrived = 0;
  const server: Server = createServer((_request, response) => {
    arrived += 1;
    open.push(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const memory = { used: 100 * MIB };
  let collections = 0;
  const idle: IdleMemoryRelease = releaseMemoryWhenIdle(server, {
    idleMs: options.idleMs ?? IDLE_MS,
    busy: options.busy,
    usedBytes: () => memory.used,
    collect: () => {
      collections += 1;
      memory.used = 100 * MIB;
    },
  });
  /** Starts a request; resolves once the server holds it, to its answer (wrapped, so not awaited yet). */
  const request = async (): Promise<{ answered: Promise<string> }> => {
    // Counted, not compared with `open.length`: with several started at once, each waits until as
    // many have arrived as were started up to it (else a slow one is left unanswered).
    started += 1;
    const mine = started;
    const answered = fetch(url).then((r) => r.text());
    while (arrived < mine) await sleep(5);
    return { answered };
  };
  /** Answers the oldest request still open. */
  const answerOldest = () => open.shift()?.end('ok');
  const answerAll = async (pending: { answered: Promise<string> }[]) => {
    for (const response of open.splice(0)) response.end('ok');
    await Promise.all(pending.map((p) => p.answered));
  };
  /** One request that grows memory by `bytes` while in flight, answered. */
  const burst = async (bytes: number) => {
    const pending = await request();
    memory.used += bytes;
    await answerAll([pending]);
  };
  /**
   * Waits (up to 5 s) until at least `count` collections ran and returns how many did: the idle
   * timer fires late on a loaded machine, so a fixed sleep would not prove it fired.
   */
  const collectionsOnceAtLeast = async (count: number) => {
    for (const end = Date.now() + 5000; collections < count && Date.now() < end; ) await sleep(10);
    return collections;
  };
  const watcher = {
    memory,
    idle,
    collections: () => collections,
    collectionsOnceAtLeast,
    request,
    burst,
    answerAll,
    answerOldest,
    async close() {
      idle.close();
      for (const response of open.splice(0)) response.end('ok');
      await new Promise((resolve) => server.close(resolve));
    },
  };
  running.push(watcher);
  return watcher;
}

describe('releaseMemoryWhenIdle', () => {
  afterEach(async () => {
    await Promise.all(running.splice(0).map((w) => w.close()));
  });

  it('collects once when the proxy goes idle after a burst that grew memory, then not again while idle', async () => {
    const w = await watched();
    const burst = await Promise.all([w.request(), w.request(), w.request()]);
    w.memory.used += 64 * MIB;
    await w.answerAll(burst);
    expect(await w.collectionsOnceAtLeast(1)).toBe(1);
    expect(w.idle.releases).toBe(1);
    // Idle for many more periods: no collection in a loop.
    await sleep(IDLE_MS * 6);
    expect(w.collections()).toBe(1);
    // A request that grew nothing is followed by no collection either.
    await w.burst(0);
    await sleep(IDLE_MS * 3);
    expect(w.collections()).toBe(1);
    // The next burst that grows memory is.
    await w.burst(40 * MIB);
    expect(await w.collectionsOnceAtLeast(2)).toBe(2);
  });

  it('never collects while a request is in flight, however long it lasts', async () => {
    const w = await watched();
    const first = await w.request();
    const second = await w.request();
    w.memory.used += 64 * MIB;
    // One of the two ends: the other is still in flight, so no timer may fire.
    w.answerOldest();
    await first.answered;
    await sleep(IDLE_MS * 5);
    expect(w.collections()).toBe(0);
    await w.answerAll([first, second]);
    expect(await w.collectionsOnceAtLeast(1)).toBe(1);
  });

  it('a request arriving before the idle time is up postpones the collection until it is answered', async () => {
    const w = await watched({ idleMs: 1000 });
    await w.burst(64 * MIB);
    const late = await w.request();
    await sleep(1500);
    expect(w.collections()).toBe(0);
    await w.answerAll([late]);
    expect(await w.collectionsOnceAtLeast(1)).toBe(1);
  });

  it('waits while work goes on without a request (an edit whose client left)', async () => {
    let busy = true;
    const w = await watched({ busy: () => busy });
    await w.burst(64 * MIB);
    await sleep(IDLE_MS * 4);
    expect(w.collections()).toBe(0);
    busy = false;
    expect(await w.collectionsOnceAtLeast(1)).toBe(1);
  });

  it('with 0, never collects', async () => {
    const w = await watched({ idleMs: 0 });
    await w.burst(512 * MIB);
    await sleep(IDLE_MS * 4);
    expect(w.collections()).toBe(0);
  });

  it('close() cancels a pending collection', async () => {
    const w = await watched();
    await w.burst(64 * MIB);
    w.idle.close();
    await sleep(IDLE_MS * 3);
    expect(w.collections()).toBe(0);
  });

  it('takes V8’s gc() without --expose-gc, and leaves no gc in other contexts', () => {
    const gc = fullGc();
    expect(typeof gc).toBe('function');
    expect(() => gc()).not.toThrow();
    expect(fullGc()).toBe(gc);
    expect(runInNewContext('typeof gc')).toBe('undefined');
  });
});

describe('the proxy’s idle release (general_settings.idle_memory_release_ms)', () => {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  const releasesAfterBurst = async (general: string) => {
    sim = await startOpenAISimulator();
    const text = `${configText(sim)}general_settings:\n  master_key: ${MASTER_KEY}\n${general}`;
    const config = parseConfig(text, { env: { TEST_OPENAI_KEY: UPSTREAM_KEY } });
    // Every idle period after a request collects here, whatever V8 collected by itself meanwhile.
    const proxy = await createProxyServer({
      config,
      logger: pino({ level: 'silent' }),
      idleMemory: { growthBytes: Number.NEGATIVE_INFINITY },
    });
    try {
      const url = await proxy.listen({ port: 0, host: '127.0.0.1' });
      const edit = [
        { name: 'model', value: 'gpt-image-2' },
        { name: 'prompt', value: 'x' },
        { name: 'image', file: IMAGE },
      ];
      const answers = await Promise.all(Array.from({ length: 8 }, () => postForm(url, edit)));
      expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
      await Promise.all(answers.map((a) => a.arrayBuffer()));
      // Well past the 100 ms idle time even on a loaded machine; no request in between to restart it.
      await sleep(1000);
      const metrics = await (
        await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })
      ).text();
      return Number(/^retouch_idle_memory_releases_total (\d+)$/m.exec(metrics)?.[1]);
    } finally {
      await proxy.close();
    }
  };

  it('runs one collection once the burst is over, counted in /metrics', async () => {
    expect(await releasesAfterBurst('  idle_memory_release_ms: 100\n')).toBe(1);
  });

  it('runs none with 0', async () => {
    expect(await releasesAfterBurst('  idle_memory_release_ms: 0\n')).toBe(0);
  });

  it('rejects a value that is not a whole number of ms, naming the key', () => {
    expect(() =>
      parseConfig('model_list: []\ngeneral_settings:\n  idle_memory_release_ms: -5\n', { env: {} }),
    ).toThrow(/general_settings\.idle_memory_release_ms/);
    expect(() =>
      parseConfig('model_list: []\ngeneral_settings:\n  idle_memory_release_ms: 1.5\n', { env: {} }),
    ).toThrow(/idle_memory_release_ms: must be a whole number/);
  });
});
