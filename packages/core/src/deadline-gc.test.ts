/**
 * Deadlines and aborts survive garbage collection: the code is warmed, then every kind of hung
 * upstream call (no headers, a body that stops, a poll that hangs, a download that hangs, a remote
 * input image that hangs) is started while GC is forced over and over. Each call must still end at
 * its deadline, and a caller's abort must still reach the upstream socket (the server sees it close).
 * On Node 20, `AbortSignal.timeout`/`AbortSignal.any` and a signal passed through `new Request()` can
 * be collected mid-call; those calls then hang until undici's own 300 s timeouts.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PNG } from 'pngjs';
import type { ModelCapabilities } from './capabilities.js';
import { APIUserAbortError, RetouchError, TimeoutError } from './errors.js';
import { createProviderHttp, type ProviderHttp } from './http.js';
import { prepareEditRequest, runImageEdit } from './image-edit.js';
import type { ImageEditProvider, ProviderCallOptions, ProviderImageEditResult } from './provider.js';
import { pollUntilDone } from './provider-utils/poll.js';
import { safeFetchBytes } from './safe-fetch.js';

// `--expose-gc` set at run time: a fresh context then carries `gc`, which collects the whole heap.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const IMAGE = PNG.sync.write(new PNG({ width: 8, height: 8 }));
const OK_B64 = IMAGE.toString('base64');
const CALLS = 12;
const DEADLINE_MS = 400;
/** Far below undici's 300 s: a call that outlives this lost its deadline. */
const LOST_AFTER_MS = 15_000;

let server: Server;
let base: string;
/** Sockets of requests the server left hanging, until they close. */
const hung = new Set<Socket>();
let requestsSeen = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    requestsSeen++;
    req.resume();
    const path = req.url ?? '/';
    if (path.startsWith('/ok')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ b64: OK_B64, status: 'Ready' }));
    } else if (path.startsWith('/image')) {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(IMAGE);
    } else {
      hung.add(req.socket);
      req.socket.on('close', () => hung.delete(req.socket));
      if (path.startsWith('/stall-body')) {
        // Headers and half a body, then nothing.
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"b64":"');
      }
      // Anything else hangs without an answer.
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const CAPS: ModelCapabilities = {
  maxImages: 1,
  mask: 'none',
  maxN: 1,
  inputMediaTypes: ['image/png'],
  params: [],
  nativeResponseFormat: 'either',
};

type Edit = (http: ProviderHttp, options: ProviderCallOptions) => Promise<ProviderImageEditResult>;

function provider(edit: Edit): ImageEditProvider {
  const http = createProviderHttp({ provider: 'acme', baseURL: base });
  return {
    id: 'acme',
    capabilities: () => CAPS,
    models: () => ['edit-1'],
    imageEdit: (_request, options) => edit(http, options),
  };
}

const json = async (http: ProviderHttp, path: string, options: ProviderCallOptions) => {
  const { body } = await http.postJson(path, { prompt: 'x' }, { signal: options.signal });
  return { images: [{ b64: (body as { b64: string }).b64 }], warnings: [] };
};

/** The upstream call shapes a provider makes, each pointed at a path. */
const SHAPES: Record<string, (path: string) => Edit> = {
  'JSON POST': (path) => (http, options) => json(http, path, options),
  'multipart POST': (path) => async (http, options) => {
    const form = new FormData();
    form.append('image', new Blob([IMAGE], { type: 'image/png' }), 'image.png');
    const { body } = await http.postForm(path, form, { signal: options.signal });
    return { images: [{ b64: (body as { b64: string }).b64 }], warnings: [] };
  },
  'GET bytes': (path) => async (http, options) => {
    const { body } = await http.getBytes(path.replace('/ok', '/image'), { signal: options.signal });
    return { images: [{ bytes: body }], warnings: [] };
  },
  polling: (path) => async (http, options) => {
    const b64 = await pollUntilDone({
      provider: 'acme',
      signal: options.signal,
      deadline: options.deadline,
      initialDelayMs: 1,
      poll: async (signal) => {
        const { body } = await http.getJson(path, { signal });
        return { done: true, value: (body as { b64: string }).b64 };
      },
    });
    return { images: [{ b64 }], warnings: [] };
  },
  'result download': (path) => async (http) => ({
    images: [{ url: `${base}${path.replace('/ok', '/image')}` }],
    warnings: [],
    download: async (url, signal) => (await http.getBytes(url, { signal })).body,
  }),
};

const prepared = () => prepareEditRequest({ model: 'acme/edit-1', image: IMAGE, prompt: 'x' });

/** Settles every promise while forcing GC every few ms; returns each outcome and how long it took. */
async function settleUnderGc(
  calls: (() => Promise<unknown>)[],
): Promise<{ error: unknown; ms: number; settled: boolean }[]> {
  const outcomes = calls.map((call) => {
    const started = performance.now();
    const outcome = { error: undefined as unknown, ms: Number.NaN, settled: false };
    call().then(
      () => Object.assign(outcome, { ms: performance.now() - started, settled: true }),
      (error: unknown) => Object.assign(outcome, { error, ms: performance.now() - started, settled: true }),
    );
    return outcome;
  });
  const until = performance.now() + LOST_AFTER_MS;
  while (outcomes.some((o) => !o.settled) && performance.now() < until) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return outcomes;
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const until = performance.now() + LOST_AFTER_MS;
  while (!condition()) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function warm(edit: Edit, times = 30): Promise<void> {
  const request = await prepared();
  for (let i = 0; i < times; i++) {
    await runImageEdit(provider(edit), 'edit-1', request, { timeoutMs: 10_000 });
  }
}

describe.each(Object.entries(SHAPES))('%s, warmed and under forced GC', (name, shape) => {
  it('every hung call ends at its deadline with a TimeoutError', async () => {
    await warm(shape('/ok'));
    const request = await prepared();
    const hanging = shape(name === 'GET bytes' || name === 'result download' ? '/stall-body' : '/hang');
    // A caller's signal besides the deadline, as the router and the proxy pass one.
    const callers = Array.from({ length: CALLS }, () => new AbortController());
    const outcomes = await settleUnderGc(
      callers.map(
        (caller) => () =>
          runImageEdit(provider(hanging), 'edit-1', request, {
            timeoutMs: DEADLINE_MS,
            signal: caller.signal,
          }),
      ),
    );
    expect(outcomes.filter((o) => !o.settled)).toHaveLength(0);
    for (const o of outcomes) {
      expect(o.error).toBeInstanceOf(TimeoutError);
      expect(o.ms).toBeGreaterThanOrEqual(DEADLINE_MS - 5);
    }
    await waitFor(() => hung.size === 0, 'the hung sockets to close');
  });

  it("every caller's abort reaches the upstream socket", async () => {
    await warm(shape('/ok'));
    const request = await prepared();
    const before = requestsSeen;
    const controllers = Array.from({ length: CALLS }, () => new AbortController());
    const calls = controllers.map((controller) =>
      runImageEdit(provider(shape('/hang')), 'edit-1', request, { signal: controller.signal }).then(
        () => undefined,
        (error: unknown) => error,
      ),
    );
    await waitFor(() => requestsSeen - before >= CALLS, 'every call to reach the server');
    for (let i = 0; i < 5; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const controller of controllers) controller.abort();
    await waitFor(() => hung.size === 0, 'the server to see every socket close');
    for (const error of await Promise.all(calls)) expect(error).toBeInstanceOf(APIUserAbortError);
  });
});

describe('downloads, warmed and under forced GC', () => {
  it('safeFetchBytes ends every hung download at its deadline', async () => {
    for (let i = 0; i < 30; i++) await safeFetchBytes(`${base}/image`, { allowPrivateNetwork: true });
    const outcomes = await settleUnderGc(
      Array.from(
        { length: CALLS },
        (_, i) => () =>
          safeFetchBytes(`${base}/${i % 2 ? 'hang' : 'stall-body'}`, {
            allowPrivateNetwork: true,
            timeoutMs: DEADLINE_MS,
          }),
      ),
    );
    expect(outcomes.filter((o) => !o.settled)).toHaveLength(0);
    for (const o of outcomes) expect(o.error).toBeInstanceOf(TimeoutError);
    await waitFor(() => hung.size === 0, 'the hung sockets to close');
  });

  it('a remote input image that hangs ends at the request timeout', async () => {
    for (let i = 0; i < 30; i++) {
      await prepareEditRequest(
        { model: 'acme/edit-1', image: `${base}/image`, prompt: 'x' },
        { remoteImages: { allowPrivateNetwork: true } },
      );
    }
    const outcomes = await settleUnderGc(
      Array.from(
        { length: CALLS },
        () => () =>
          prepareEditRequest(
            { model: 'acme/edit-1', image: `${base}/hang`, prompt: 'x', timeout: DEADLINE_MS },
            { remoteImages: { allowPrivateNetwork: true } },
          ),
      ),
    );
    expect(outcomes.filter((o) => !o.settled)).toHaveLength(0);
    for (const o of outcomes) {
      expect(RetouchError.isInstance(o.error)).toBe(true);
      expect(o.error).toBeInstanceOf(TimeoutError);
    }
    await waitFor(() => hung.size === 0, 'the hung sockets to close');
  });
});
