/**
 * Test support (not built into the package's API): a proxy on 127.0.0.1 (port 0) over an OpenAI
 * simulator, a curl-style multipart body builder, and a log capture. Importing it registers an
 * `afterAll` in the test file that closes every harness a failed test left open.
 * @module
 */
import { Writable } from 'node:stream';
import { afterAll } from '@jest/globals';
import { createOpenAIMask, createPng, type Simulator, startOpenAISimulator } from '@retouch/testing';
import type { Store } from '@retouch/store';
import type { BackendOptions } from '@retouch/store/test-support';
import { pino } from 'pino';
import { parseConfig } from '../config/load-config.js';
import type { ConsoleOptions } from '../console/setup.js';
import { createProxyServer, type ProxyServer } from '../server.js';

export const UPSTREAM_KEY = 'sk-test-simulator';
export const MASTER_KEY = 'sk-master-1234';
export const TEAM_KEY = 'sk-team-a-5678';
export const IMAGE = createPng(64, 64, { color: [200, 40, 40] });
export const IMAGE_B = createPng(64, 64, { color: [40, 200, 40] });
export const IMAGE_C = createPng(64, 64, { color: [40, 40, 200] });
export const MASK = createOpenAIMask(64, 64, { x: 0, y: 0, width: 32, height: 32 });

/**
 * How the proxy's store suites open stores (`eachBackend(suite, PROXY_STORES)`): spend rows flushed
 * every 20 ms, so that a test reads them back without waiting for the default interval.
 */
export const PROXY_STORES: BackendOptions = {
  storeDefaults: { spendWriter: { flushIntervalMs: 20 } },
  schemaPrefix: 'proxy_',
};

/** A running proxy over a simulator, with captured log lines. */
export interface Harness {
  sim: Simulator;
  proxy: ProxyServer;
  url: string;
  logs: string[];
  /** Closes the proxy, then the simulator (even when the proxy's close fails). Calling it again returns the same promise. */
  close(): Promise<void>;
}

/** Harnesses of this test file not closed yet. */
const open = new Set<Harness>();

// A test that fails before its own close() would leave a proxy and a simulator listening, and jest
// runs a package in band on 2 cores, so it would wait for them forever (a landing once hung 25
// min). Whatever is still open once the file is done is closed here, simulator first: a call still
// in flight then ends at once instead of after the proxy's shutdown grace.
afterAll(async () => {
  await Promise.allSettled(
    [...open].map(async (harness) => {
      await harness.sim.close();
      await harness.close();
    }),
  );
});

/** The config text of a proxy over `sim` (`extra` is appended YAML). */
export function configText(sim: Simulator, extra = ''): string {
  return `model_list:
  - model_name: gpt-image-2
    litellm_params:
      model: gpt-image-2
      api_key: os.environ/TEST_OPENAI_KEY
      api_base: ${sim.url}/v1
    model_info:
      id: openai-sim
  - model_name: dall-e-2
    litellm_params:
      model: dall-e-2
      api_key: os.environ/TEST_OPENAI_KEY
      api_base: ${sim.url}/v1
    model_info:
      id: dalle-sim
      # dall-e-2 was shut down on 2026-05-12: a second group of few capabilities, sent anyway.
      allow_retired: true
router_settings:
  num_retries: 0
  cooldown_time: 0
${extra}`;
}

/** Starts a simulator and a proxy; `generalSettings` is YAML under `general_settings:`. */
export async function startHarness(
  options: {
    generalSettings?: string;
    extra?: string;
    console?: ConsoleOptions | false;
    /** A store (see `@retouch/store/test-support`); none by default. */
    store?: Store | false;
    env?: Record<string, string>;
  } = {},
): Promise<Harness> {
  const sim = await startOpenAISimulator();
  let proxy: ProxyServer | undefined;
  try {
    const general = options.generalSettings ?? `  master_key: ${MASTER_KEY}\n`;
    const text = `${configText(sim, options.extra)}general_settings:\n${general}`;
    const config = parseConfig(text, { env: { TEST_OPENAI_KEY: UPSTREAM_KEY, ...options.env } });
    const logs: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        logs.push(String(chunk));
        callback();
      },
    });
    proxy = await createProxyServer({
      config,
      logger: pino({ level: 'info' }, stream),
      console: options.console,
      store: options.store ?? false,
    });
    const url = await proxy.listen({ port: 0, host: '127.0.0.1' });
    const started = proxy;
    let closing: Promise<void> | undefined;
    const harness: Harness = {
      sim,
      proxy: started,
      url,
      logs,
      close() {
        closing ??= (async () => {
          open.delete(harness);
          try {
            await started.close();
          } finally {
            await sim.close();
          }
        })();
        return closing;
      },
    };
    open.add(harness);
    return harness;
  } catch (error) {
    // A harness that did not start leaves nothing listening either.
    await Promise.allSettled([proxy?.close(), sim.close()]);
    throw error;
  }
}

/** One part of a multipart body. */
export type Part =
  | { name: string; value: string }
  | { name: string; file: Uint8Array; filename?: string; contentType?: string };

/** A multipart body byte for byte as `curl -F` writes it. */
export function curlForm(parts: readonly Part[]): { body: Buffer; contentType: string } {
  const boundary = `------------------------${'a1b2c3d4e5f6a7b8c9d0e1f2'.slice(0, 24)}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n`));
    if ('value' in part) {
      chunks.push(
        Buffer.from(`Content-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`),
      );
    } else {
      chunks.push(
        Buffer.from(
          `Content-Disposition: form-data; name="${part.name}"; filename="${part.filename ?? 'image.png'}"\r\nContent-Type: ${part.contentType ?? 'image/png'}\r\n\r\n`,
        ),
      );
      chunks.push(Buffer.from(part.file), Buffer.from('\r\n'));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** POSTs a curl-style multipart body. */
export async function postForm(
  url: string,
  parts: readonly Part[],
  headers: Record<string, string> = { authorization: `Bearer ${MASTER_KEY}` },
  path = '/v1/images/edits',
): Promise<Response> {
  const { body, contentType } = curlForm(parts);
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { ...headers, 'content-type': contentType },
    body,
  });
}

/** POSTs a JSON body. */
export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${MASTER_KEY}` },
): Promise<Response> {
  return fetch(`${url}/v1/images/edits`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A data: URL of PNG bytes. */
export function dataUrl(bytes: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(bytes).toString('base64')}`;
}

/** The OpenAI error body of a response, checked for shape. */
export async function errorOf(
  response: Response,
): Promise<{ message: string; type: string; param: string | null; code: string | null }> {
  const body = (await response.json()) as {
    error?: { message: string; type: string; param: string | null; code: string | null };
  };
  if (!body.error || typeof body.error.message !== 'string' || typeof body.error.type !== 'string') {
    throw new Error(`not an OpenAI error body: ${JSON.stringify(body)}`);
  }
  return body.error;
}
