/**
 * config.yaml problems a user must hear about: keys nothing reads (with their line), strict mode,
 * errors with lines, deployments without their upstream key, and per-deployment settings.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { type Simulator, startOpenAISimulator } from '@retouch/testing';
import { pino } from 'pino';
import { ConfigError } from './config/config-error.js';
import { parseConfig } from './config/load-config.js';
import { createProxyServer, type ProxyServer } from './server.js';
import { errorOf, IMAGE, MASTER_KEY, type Part, postForm, UPSTREAM_KEY } from './test-support/harness.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startOpenAISimulator({ apiKey: UPSTREAM_KEY });
});
afterAll(() => sim.close());

const savedKey = process.env.OPENAI_API_KEY;
beforeEach(() => {
  delete process.env.OPENAI_API_KEY;
  sim.reset();
});
afterEach(() => {
  if (savedKey !== undefined) process.env.OPENAI_API_KEY = savedKey;
});

const running: ProxyServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.close()));
});

async function start(
  text: string,
  strict = false,
): Promise<{ proxy: ProxyServer; url: string; logs: string[] }> {
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const config = parseConfig(text, { env: { KEY: UPSTREAM_KEY }, file: 'config.yaml', strict });
  const proxy = await createProxyServer({ config, logger: pino({ level: 'info' }, stream) });
  running.push(proxy);
  return { proxy, url: await proxy.listen({ port: 0, host: '127.0.0.1' }), logs };
}

const messages = (logs: string[]) => logs.map((l) => (JSON.parse(l) as { msg: string }).msg);
const edit = (model: string, extra: Part[] = []): Part[] => [
  { name: 'model', value: model },
  { name: 'prompt', value: 'x' },
  { name: 'image', file: IMAGE },
  ...extra,
];

describe('keys nothing reads', () => {
  const typo = () => `model_list:
  - model_name: edit
    litellm_params:
      model: gpt-image-2
      api_key: os.environ/KEY
      api_bse: ${sim.url}/v1
general_settings:
  master_key: ${MASTER_KEY}
`;

  it('a litellm_params typo is a start-up warning with the key, its line and the key it may mean', async () => {
    const { logs } = await start(typo());
    expect(messages(logs)).toContainEqual(
      expect.stringMatching(
        /^config: model_list\[0\]\.litellm_params\.api_bse: unknown key for the openai provider \(did you mean api_base\?\), ignored\. .* \(line 6\)$/,
      ),
    );
  });

  it('strict mode refuses to start on it, naming the key and its line', async () => {
    const error = (await start(typo(), true).catch((e: unknown) => e)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues).toEqual([
      expect.objectContaining({ path: 'model_list[0].litellm_params.api_bse', line: 6 }),
    ]);
    expect(error.message).toMatch(/strict config: every warning is an error\) \(line 6\)$/m);
  });

  it('a model_info typo is a start-up warning with its line (the fact it declares is not applied)', async () => {
    const { logs } = await start(`model_list:
  - model_name: edit
    litellm_params:
      model: gpt-image-2
      api_key: os.environ/KEY
      api_base: ${sim.url}/v1
    model_info:
      id: openai-typo
      supports_mak: false
general_settings:
  master_key: ${MASTER_KEY}
`);
    expect(messages(logs)).toContainEqual(
      'config: model_list[0].model_info.supports_mak: unknown or unsupported key (did you mean supports_mask?), ignored (line 9)',
    );
  });

  it('unknown keys elsewhere are warnings with their line, and errors with general_settings.strict_config', () => {
    const text = `model_list:
  - model_name: edit
    litellm_params: { model: gpt-image-2 }
router_settings:
  retry_polcy: 3
general_settings:
  master_key: sk-1
`;
    expect(parseConfig(text, { env: {} }).warnings).toEqual([
      'router_settings.retry_polcy: unknown or unsupported key, ignored (line 5)',
    ]);
    const strict = `${text}  strict_config: true\n`;
    expect(() => parseConfig(strict, { env: {} })).toThrow(
      'router_settings.retry_polcy: unknown or unsupported key (strict config: every warning is an error) (line 5)',
    );
  });
});

describe('config errors found when the deployments are built', () => {
  it('name the YAML line', async () => {
    const error = (await start(`model_list:
  - model_name: edit
    litellm_params:
      model: openai/dall-e-9000
`).catch((e: unknown) => e)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues[0]).toMatchObject({ path: 'model_list[0].litellm_params.model', line: 4 });
    expect(error.message).toMatch(
      /model_list\[0\]\.litellm_params\.model: openai has no image-edit model "dall-e-9000".*\(line 4\)$/m,
    );
  });
});

describe('a deployment without its upstream key', () => {
  const keyless = () => `model_list:
  - model_name: edit
    litellm_params:
      model: gpt-image-2
      api_base: ${sim.url}/v1
    model_info:
      id: openai-keyless
general_settings:
  master_key: ${MASTER_KEY}
`;

  it('warns at start-up, answers 500 deployment_misconfigured naming it (not a 401), and shows on /health', async () => {
    const { url, logs } = await start(keyless());
    expect(messages(logs)).toContainEqual(
      expect.stringMatching(
        /^config: model_list\[0\]\.litellm_params: deployment openai-keyless \(model group edit\) cannot call its upstream: openai: no API key\. Set OPENAI_API_KEY.* \(line 3\)$/,
      ),
    );
    const response = await postForm(url, edit('edit'));
    expect(response.status).toBe(500);
    expect(response.headers.get('x-should-retry')).toBe('false');
    const error = await errorOf(response);
    expect(error).toMatchObject({ type: 'server_error', code: 'deployment_misconfigured' });
    expect(error.message).toContain('deployment openai-keyless (model group edit): openai: no API key');
    expect(sim.requests).toHaveLength(0);

    const health = (await (
      await fetch(`${url}/health`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })
    ).json()) as { unhealthy_endpoints: { model_id: string; misconfigured: string | null }[] };
    expect(health.unhealthy_endpoints).toEqual([
      expect.objectContaining({
        model_id: 'openai-keyless',
        misconfigured: expect.stringMatching(/^openai: no API key/),
      }),
    ]);
  });

  it('strict mode refuses to start', async () => {
    const error = (await start(keyless(), true).catch((e: unknown) => e)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues[0]).toMatchObject({ path: 'model_list[0].litellm_params', line: 3 });
  });
});

describe('a deployment whose upstream refuses its key', () => {
  it("answers 500 deployment_misconfigured naming the deployment, not the upstream's 401 as if the caller's key were wrong", async () => {
    const { url, logs } = await start(`model_list:
  - model_name: edit
    litellm_params:
      model: gpt-image-2
      api_key: sk-revoked-upstream-0123456789
      api_base: ${sim.url}/v1
    model_info:
      id: openai-revoked
general_settings:
  master_key: ${MASTER_KEY}
`);
    const response = await postForm(url, edit('edit'));
    expect(response.status).toBe(500);
    expect(response.headers.get('x-should-retry')).toBe('false');
    const error = await errorOf(response);
    expect(error).toMatchObject({ type: 'server_error', code: 'deployment_misconfigured' });
    expect(error.message).toContain(
      "deployment openai-revoked (model group edit): openai refused the deployment's credentials (HTTP 401)",
    );
    expect(error.message).not.toMatch(/your (api )?key/i);
    expect(JSON.stringify(error)).not.toContain('sk-revoked-upstream-0123456789');
    expect(logs.join('')).not.toContain('sk-revoked-upstream-0123456789');
    expect(sim.requests).toHaveLength(1);
  });
});

describe('per-deployment settings in config.yaml', () => {
  it('drop_params and response_format of litellm_params are honoured', async () => {
    const { url } = await start(`model_list:
  - model_name: lenient
    litellm_params:
      model: gpt-image-2
      api_key: os.environ/KEY
      api_base: ${sim.url}/v1
      drop_params: true
      response_format: url
  - model_name: strict
    litellm_params:
      model: gpt-image-2
      api_key: os.environ/KEY
      api_base: ${sim.url}/v1
general_settings:
  master_key: ${MASTER_KEY}
`);
    const lenient = await postForm(url, edit('lenient', [{ name: 'seed', value: '7' }]));
    expect(lenient.status).toBe(200);
    expect(lenient.headers.get('x-retouch-warnings')).toContain(
      'dropped seed: openai/gpt-image-2 does not support it',
    );
    const body = (await lenient.json()) as { data: { url?: string; b64_json?: string }[] };
    expect(body.data[0]?.url).toEqual(expect.any(String));
    expect(body.data[0]?.b64_json).toBeUndefined();
    const strict = await postForm(url, edit('strict', [{ name: 'seed', value: '7' }]));
    expect(strict.status).toBe(400);
    expect((await errorOf(strict)).param).toBe('seed');
  });
});
