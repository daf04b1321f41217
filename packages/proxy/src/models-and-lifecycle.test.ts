/**
 * The model catalogue through the proxy: `retouch models`, `/v1/models` facts, deprecated and
 * retired deployments at start-up, a catalogue file from config.yaml pricing a model retouch does
 * not know, and chat models of a shared LiteLLM config skipped instead of stopping the proxy.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { type Simulator, startOpenAISimulator } from '@retouch/testing';
import { pino } from 'pino';
import { ConfigError } from './config/config-error.js';
import { loadConfig } from './config/load-config.js';
import { main } from './main.js';
import { createProxyServer, type ProxyServer } from './server.js';
import { IMAGE, MASTER_KEY, type Part, postForm, UPSTREAM_KEY } from './test-support/harness.js';

let sim: Simulator;
let dir: string;
beforeAll(async () => {
  sim = await startOpenAISimulator({
    apiKey: UPSTREAM_KEY,
    extraModels: { 'gpt-image-9': 'gpt-image-2.6-sunburst' },
  });
  dir = await mkdtemp(join(tmpdir(), 'retouch-models-'));
});
afterAll(() => sim.close());

const running: ProxyServer[] = [];
afterEach(async () => {
  sim.reset();
  await Promise.all(running.splice(0).map((p) => p.close()));
});

async function start(yaml: string, files: Record<string, string> = {}) {
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  const file = join(dir, 'config.yaml');
  await writeFile(file, `${yaml}general_settings:\n  master_key: ${MASTER_KEY}\n`);
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const config = await loadConfig(file, { env: { KEY: UPSTREAM_KEY } });
  const proxy = await createProxyServer({ config, logger: pino({ level: 'info' }, stream) });
  running.push(proxy);
  const url = await proxy.listen({ port: 0, host: '127.0.0.1' });
  const messages = () => logs.map((l) => (JSON.parse(l) as { msg: string }).msg);
  return { proxy, url, messages, config };
}

const deployment = (group: string, model: string, info = '') => `  - model_name: ${group}
    litellm_params:
      model: ${model}
      api_key: os.environ/KEY
      api_base: ${sim.url}/v1
${info}`;
const edit = (model: string): Part[] => [
  { name: 'model', value: model },
  { name: 'prompt', value: 'x' },
  { name: 'image', file: IMAGE },
];
const bearer = { authorization: `Bearer ${MASTER_KEY}` };

describe('start-up and /v1/models', () => {
  it('logs deprecated and retired deployments at start-up, and /v1/models carries the facts', async () => {
    const { url, messages } = await start(`model_list:
${deployment('current', 'gpt-image-2.6-sunburst')}${deployment('old', 'gpt-image-1')}${deployment('google', 'gemini/gemini-2.5-flash-image')}`);
    const lifecycle = messages().filter((m) => m.startsWith('model: '));
    expect(lifecycle).toEqual([
      expect.stringMatching(
        /^model: openai\/gpt-image-1 was shut down upstream on 2026-10-23; use openai\/gpt-image-2\.5-sunburst instead: deployment \w+ of group "old" is never selected/,
      ),
      expect.stringMatching(
        /^model: gemini\/gemini-2\.5-flash-image is deprecated: its earliest shutdown date \(2026-10-02\) has passed/,
      ),
    ]);

    const list = (await (await fetch(`${url}/v1/models`, { headers: bearer })).json()) as {
      data: {
        id: string;
        status: string;
        shutdown?: string;
        successor?: string;
        deployments: Record<string, unknown>[];
      }[];
    };
    const byId = Object.fromEntries(list.data.map((m) => [m.id, m]));
    expect(byId.current).toMatchObject({
      object: 'model',
      status: 'active',
      deployments: [
        {
          provider: 'openai',
          model: 'gpt-image-2.6-sunburst',
          status: 'active',
          released: '2026-11-04',
          selectable: true,
          price: '$5/M text in, $8/M image in, $30/M image out',
          max_input_images: 16,
          supports_mask: true,
        },
      ],
    });
    expect(byId.old).toMatchObject({
      status: 'retired',
      shutdown: '2026-10-23',
      successor: 'gpt-image-2.5-sunburst',
      deployments: [{ selectable: false }],
    });
    expect(byId.google).toMatchObject({
      status: 'deprecated',
      shutdown: '2026-10-02',
      successor: 'gemini-3.1-flash-image',
    });
  });

  it('refuses a group of retired models locally with 404 model_retired, and serves it with auto_upgrade_retired', async () => {
    const yaml = `model_list:\n${deployment('old', 'gpt-image-1')}`;
    const refused = await start(yaml);
    const response = await postForm(refused.url, edit('old'), bearer);
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('model_retired');
    expect(body.error.message).toContain('use openai/gpt-image-2.5-sunburst instead');
    expect(sim.requests).toHaveLength(0);

    const upgraded = await start(`${yaml}router_settings:\n  auto_upgrade_retired: true\n`);
    const served = await postForm(upgraded.url, edit('old'), bearer);
    expect(served.status).toBe(200);
    expect(sim.lastRequest().fields?.model).toEqual(['gpt-image-2.5-sunburst']);
  });

  it('skips a chat model of a shared LiteLLM config with a warning instead of stopping', async () => {
    const { url, messages } = await start(`model_list:
${deployment('chat', 'gpt-4o', '    model_info:\n      mode: chat\n')}${deployment('chat-no-mode', 'anthropic/claude-sonnet-5')}${deployment('edit', 'gpt-image-2')}`);
    expect(messages()).toEqual(
      expect.arrayContaining([
        expect.stringContaining('model_list[0].model_info.mode: "chat" is not an image mode'),
        expect.stringContaining(
          'model_list[1].litellm_params.model: cannot tell which provider serves "anthropic/claude-sonnet-5"',
        ),
      ]),
    );
    expect((await postForm(url, edit('edit'), bearer)).status).toBe(200);
  });
});

describe('a model catalogue file from config.yaml', () => {
  const catalogue = JSON.stringify({
    'openai/gpt-image-9': {
      status: 'active',
      output_cost_per_image: 0.05,
      sources: { price: 'our invoice' },
    },
  });

  it('adds a model with a price (path relative to config.yaml), and the cost comes out', async () => {
    const { url, messages } = await start(
      `model_catalogue: ./models.json\nmodel_list:\n${deployment('next', 'gpt-image-9')}`,
      {
        'models.json': catalogue,
      },
    );
    // Declared in the file: no family-rule assumption to log.
    expect(messages().filter((m) => m.startsWith('model: '))).toEqual([]);
    const response = await postForm(url, edit('next'), bearer);
    expect(response.status).toBe(200);
    expect(Number(response.headers.get('x-retouch-response-cost'))).toBe(0.05);
    expect(sim.lastRequest().fields?.model).toEqual(['gpt-image-9']);
  });

  it('logs an unlisted family model without a declaration, and prices it from model_info', async () => {
    const { url, messages } = await start(
      `model_list:\n${deployment('next', 'gpt-image-9', '    model_info:\n      output_cost_per_image: 0.07\n')}${deployment('bare', 'gpt-image-9')}`,
    );
    expect(messages().filter((m) => m.startsWith('model: '))).toEqual([
      expect.stringContaining(
        "model: openai/gpt-image-9 is not in retouch's catalogue: served with the gpt-image-* family rules",
      ),
    ]);
    const response = await postForm(url, edit('next'), bearer);
    expect(Number(response.headers.get('x-retouch-response-cost'))).toBe(0.07);
  });

  it('fails at start-up naming the file, the row and the field of a mistake', async () => {
    const error = await start(
      `model_catalogue: ./bad.json\nmodel_list:\n${deployment('edit', 'gpt-image-2')}`,
      {
        'bad.json': JSON.stringify({ 'openai/gpt-image-9': { max_input_images: 'many' } }),
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('model_catalogue:');
    expect((error as Error).message).toContain('bad.json: "openai/gpt-image-9".max_input_images:');
  });
});

describe('retouch models', () => {
  const run = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const result = await main(['models', ...args], {
      stdout: (l) => out.push(l),
      stderr: (l) => err.push(l),
      env: { KEY: UPSTREAM_KEY },
    });
    return { code: result.exitCode, out, err };
  };

  it('prints provider, model, status, shutdown, successor, price, images and mask', async () => {
    const { code, out } = await run([]);
    expect(code).toBe(0);
    expect(out[0]).toMatch(/^provider\s+model\s+status\s+shutdown\s+successor\s+price\s+images\s+mask$/);
    expect(out).toContainEqual(
      expect.stringMatching(
        /^openai\s+gpt-image-1\s+retired\s+2026-10-23\s+gpt-image-2\.5-sunburst\s+.+\s+16\s+yes$/,
      ),
    );
    expect(out).toContainEqual(
      expect.stringMatching(
        /^gemini\s+gemini-3\.1-flash-image\s+active\s+-\s+-\s+\$0\.5\/M text in.*\s+14\s+no$/,
      ),
    );
    expect(out).toContainEqual(
      expect.stringMatching(
        /^vertex_ai\s+imagen-3\.0-capability-001\s+retired\s+2026-06-30\s+gemini-3\.1-flash-image\s+unknown\s+1\s+yes$/,
      ),
    );
  });

  it('applies the catalogue file of --config, and prints JSON with --json', async () => {
    await writeFile(join(dir, 'models.json'), catalogue());
    const file = join(dir, 'listing.yaml');
    await writeFile(
      file,
      `model_catalogue: ./models.json\nmodel_list:\n${deployment('edit', 'gpt-image-2')}`,
    );
    const { code, out, err } = await run(['--config', file, '--json']);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    const rows = JSON.parse(out.join('\n')) as {
      provider: string;
      model: string;
      price: string;
      origin: string;
    }[];
    expect(rows.find((r) => r.model === 'gpt-image-9')).toEqual(
      expect.objectContaining({
        provider: 'openai',
        price: '$0.05/image',
        origin: 'catalogue file',
        status: 'active',
      }),
    );
  });

  it('a bad option is a usage error', async () => {
    expect((await run(['--jsn'])).code).toBe(2);
  });

  function catalogue() {
    return JSON.stringify({ 'openai/gpt-image-9': { status: 'active', output_cost_per_image: 0.05 } });
  }
});
