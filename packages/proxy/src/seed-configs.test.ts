/**
 * The seed's config snippets, verbatim plus an `api_base` pointing at a simulator, served by the
 * proxy and called with the official `openai` npm client. Providers whose package or simulator is
 * not built yet are skipped (and run as soon as both exist).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from '@jest/globals';
import * as testing from '@retouch/testing';
import OpenAI, { toFile } from 'openai';
import { pino } from 'pino';
import { parseConfig } from './config/load-config.js';
import { createProxyServer, type ProxyServer } from './server.js';
import { IMAGE, IMAGE_B } from './test-support/harness.js';

interface Seed {
  name: string;
  prefix: string;
  simulator: string;
  options: Record<string, unknown>;
  /** The seed snippet; `{{BASE}}` is where the simulator goes. */
  yaml: (base: string) => string;
  base: (url: string) => string;
  env: Record<string, string>;
  /** Environment that depends on the running simulator (credential files and the like). */
  simEnv?: (sim: Sim) => Promise<Record<string, string>>;
  group: string;
  images: number;
  /** The seed's model is retired upstream: refused locally naming its successor, or served by it with `auto_upgrade_retired`. */
  retired?: { successor: string };
  /** The start-up log names these models' lifecycle (deprecated or retired). */
  notices: string[];
}

const VERTEX_EMAIL = 'retouch-test@sim-project.iam.gserviceaccount.com';
const VERTEX_KEYS = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

const SEEDS: Seed[] = [
  {
    name: 'OpenAI',
    prefix: 'openai',
    simulator: 'startOpenAISimulator',
    options: {},
    base: (url) => `${url}/v1`,
    env: { OPENAI_API_KEY: 'sk-test-simulator' },
    group: 'gpt-image-1',
    images: 2,
    // gpt-image-1 was shut down on 2026-10-23: the seed still loads, and says so.
    retired: { successor: 'gpt-image-2.5-sunburst' },
    notices: ['openai/gpt-image-1 was shut down upstream on 2026-10-23'],
    yaml: (base) => `model_list:
  - model_name: gpt-image-1
    litellm_params:
      model: gpt-image-1
      api_key: os.environ/OPENAI_API_KEY
      api_base: ${base}
`,
  },
  {
    name: 'Gemini',
    prefix: 'gemini',
    simulator: 'startGeminiSimulator',
    options: { apiKey: 'gemini-test-key' },
    base: (url) => url,
    env: { GEMINI_API_KEY: 'gemini-test-key' },
    group: 'gemini-image-edit',
    images: 2,
    notices: ['gemini/gemini-2.5-flash-image is deprecated'],
    yaml: (base) => `model_list:
  - model_name: gemini-image-edit
    litellm_params:
      model: gemini/gemini-2.5-flash-image
      api_key: os.environ/GEMINI_API_KEY
      api_base: ${base}
`,
  },
  {
    name: 'Black Forest Labs (mode: image_edit)',
    prefix: 'black_forest_labs',
    simulator: 'startBFLSimulator',
    options: { apiKey: 'bfl-test-key', pendingPolls: 0 },
    base: (url) => url,
    env: { BFL_API_KEY: 'bfl-test-key' },
    group: 'bfl-kontext-pro',
    images: 1,
    notices: [],
    yaml: (base) => `model_list:
  - model_name: bfl-kontext-pro
    litellm_params:
      model: black_forest_labs/flux-kontext-pro
      api_key: os.environ/BFL_API_KEY
      api_base: ${base}
    model_info:
      mode: image_edit
`,
  },
  {
    name: 'Vertex AI Gemini + Imagen',
    prefix: 'vertex_ai',
    simulator: 'startVertexSimulator',
    options: {
      project: 'sim-project',
      serviceAccount: { clientEmail: VERTEX_EMAIL, publicKey: VERTEX_KEYS.publicKey },
    },
    base: (url) => url,
    env: { VERTEXAI_PROJECT: 'sim-project', VERTEXAI_LOCATION: 'us-central1' },
    // A service-account key file whose token_uri is the simulator's OAuth endpoint.
    simEnv: async (sim) => {
      const file = join(await mkdtemp(join(tmpdir(), 'retouch-vertex-')), 'sa.json');
      await writeFile(
        file,
        JSON.stringify({
          type: 'service_account',
          project_id: 'sim-project',
          private_key_id: 'k1',
          private_key: VERTEX_KEYS.privateKey,
          client_email: VERTEX_EMAIL,
          token_uri: sim.tokenUri,
        }),
      );
      return { GOOGLE_APPLICATION_CREDENTIALS: file };
    },
    group: 'vertex-gemini-image-edit',
    images: 1,
    notices: ['vertex_ai/imagen-3.0-capability-001 was shut down upstream on 2026-06-30'],
    yaml: (base) => `model_list:
  - model_name: vertex-gemini-image-edit
    litellm_params:
      model: vertex_ai/gemini-2.5-flash-image
      vertex_project: os.environ/VERTEXAI_PROJECT
      vertex_location: os.environ/VERTEXAI_LOCATION
      vertex_credentials: os.environ/GOOGLE_APPLICATION_CREDENTIALS
      api_base: ${base}
  - model_name: vertex-imagen-image-edit
    litellm_params:
      model: vertex_ai/imagen-3.0-capability-001
      vertex_project: os.environ/VERTEXAI_PROJECT
      vertex_location: os.environ/VERTEXAI_LOCATION
      vertex_credentials: os.environ/GOOGLE_APPLICATION_CREDENTIALS
      api_base: ${base}
`,
  },
  {
    name: 'OpenRouter',
    prefix: 'openrouter',
    simulator: 'startOpenRouterSimulator',
    options: { apiKey: 'sk-or-test-key' },
    base: (url) => `${url}/api/v1`,
    env: { OPENROUTER_API_KEY: 'sk-or-test-key' },
    group: 'openrouter-image-edit',
    images: 2,
    notices: ['openrouter/google/gemini-2.5-flash-image is deprecated'],
    yaml: (base) => `model_list:
  - model_name: openrouter-image-edit
    litellm_params:
      model: openrouter/google/gemini-2.5-flash-image
      api_key: os.environ/OPENROUTER_API_KEY
      api_base: ${base}
`,
  },
];

type Sim = { url: string; tokenUri?: string; requests: { json?: unknown }[]; close(): Promise<void> };
const factories = testing as unknown as Record<string, ((options: unknown) => Promise<Sim>) | undefined>;
const open: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(open.map((close) => close()));
});

async function serve(
  seed: Seed,
  extra = '',
): Promise<{ proxy: ProxyServer; url: string; sim: Sim; logs: string[] }> {
  const sim = await (factories[seed.simulator] as (o: unknown) => Promise<Sim>)(seed.options);
  const text = `${seed.yaml(seed.base(sim.url))}${extra}general_settings:\n  master_key: sk-1234\n`;
  const config = parseConfig(text, { env: { ...seed.env, ...(await seed.simEnv?.(sim)) } });
  expect(config.warnings).toEqual([]);
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const proxy = await createProxyServer({ config, logger: pino({ level: 'warn' }, stream) });
  const url = await proxy.listen({ port: 0, host: '127.0.0.1' });
  open.push(async () => {
    await proxy.close();
    await sim.close();
  });
  return { proxy, url, sim, logs };
}

/** The `model:` lines logged at start-up. */
const lifecycleLines = (logs: string[]) =>
  logs.map((line) => (JSON.parse(line) as { msg: string }).msg).filter((msg) => msg.startsWith('model: '));

describe('the seed config snippets, through retouch and the official openai client', () => {
  const send = async (url: string, seed: Seed) => {
    const client = new OpenAI({ apiKey: 'sk-1234', baseURL: `${url}/v1`, maxRetries: 0 });
    const files = [IMAGE, IMAGE_B].slice(0, seed.images);
    const image = await Promise.all(
      files.map((bytes, i) => toFile(bytes, `in-${i}.png`, { type: 'image/png' })),
    );
    return client.images
      .edit({
        model: seed.group,
        image: image.length === 1 ? (image[0] as never) : image,
        prompt: 'Make it sunny',
      })
      .withResponse();
  };

  SEEDS.forEach((seed) => {
    it(`${seed.name}`, async () => {
      const { url, sim, logs } = await serve(seed);
      const lines = lifecycleLines(logs);
      expect(lines).toHaveLength(seed.notices.length);
      seed.notices.forEach((notice, i) => {
        expect(lines[i]).toContain(notice);
      });
      if (seed.retired) {
        // Refused before anything is sent, naming the date and the successor.
        const error = await send(url, seed).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(OpenAI.NotFoundError);
        expect(error).toMatchObject({ status: 404, code: 'model_retired' });
        expect((error as Error).message).toContain(seed.retired.successor);
        expect(sim.requests).toHaveLength(0);
        return;
      }
      const { data, response } = await send(url, seed);
      expect(data.data?.[0]?.b64_json ?? data.data?.[0]?.url).toEqual(expect.any(String));
      expect(response.headers.get('x-retouch-model-group')).toBe(seed.group);
      expect(response.headers.get('x-retouch-provider')).toBe(seed.prefix);
    });
  });

  it('a retired seed model is served by its successor with router_settings.auto_upgrade_retired', async () => {
    const seed = SEEDS.find((s) => s.retired) as Seed;
    const { url, sim, logs } = await serve(seed, 'router_settings:\n  auto_upgrade_retired: true\n');
    expect(lifecycleLines(logs)).toEqual([
      expect.stringContaining('openai/gpt-image-1 is retired; served by openai/gpt-image-2.5-sunburst'),
    ]);
    const { data, response } = await send(url, seed);
    expect(data.data?.[0]?.b64_json).toEqual(expect.any(String));
    expect(response.headers.get('x-retouch-model-group')).toBe(seed.group);
    expect((sim.requests[0] as { fields?: Record<string, string[]> }).fields?.model).toEqual([
      'gpt-image-2.5-sunburst',
    ]);
  });

  const bfl = SEEDS.findIndex((s) => s.prefix === 'black_forest_labs');
  it('provider extras as multipart text reach the provider typed by its schema', async () => {
    const { url, sim } = await serve(SEEDS[bfl] as Seed);
    const form = new FormData();
    form.append('model', 'bfl-kontext-pro');
    form.append('prompt', 'Make it sunny');
    form.append('image', new Blob([IMAGE], { type: 'image/png' }), 'a.png');
    form.append('seed', '42');
    form.append('prompt_upsampling', 'true');
    form.append('aspect_ratio', '16:9');
    const response = await fetch(`${url}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-1234' },
      body: form,
    });
    expect(response.status).toBe(200);
    const submit = sim.requests.find(
      (r) => (r.json as { prompt?: string } | undefined)?.prompt === 'Make it sunny',
    );
    expect(submit?.json).toMatchObject({ seed: 42, prompt_upsampling: true, aspect_ratio: '16:9' });
  });
});
