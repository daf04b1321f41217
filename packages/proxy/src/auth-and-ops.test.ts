import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI, { toFile } from 'openai';
import { hashKey } from './auth.js';
import {
  errorOf,
  type Harness,
  IMAGE,
  MASTER_KEY,
  curlForm,
  type Part,
  postForm,
  startHarness,
  TEAM_KEY,
} from './test-support/harness.js';

const LIMITED_KEY = 'sk-limited-0001';
const BROKE_KEY = 'sk-broke-0002';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    generalSettings: `  master_key: ${MASTER_KEY}
  keys:
    - key: ${TEAM_KEY}
      key_alias: team-a
      models: [gpt-image-2]
    - key: ${LIMITED_KEY}
      key_alias: limited
      rpm_limit: 2
    - key: ${BROKE_KEY}
      key_alias: broke
      max_budget: 0.0000001
`,
  });
});
afterAll(() => h.close());

const edit = (model = 'gpt-image-2'): Part[] => [
  { name: 'model', value: model },
  { name: 'prompt', value: 'x' },
  { name: 'image', file: IMAGE },
];
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('auth', () => {
  it('401 without a key or with a wrong one, in OpenAI’s shape, never echoing the key', async () => {
    const none = await postForm(h.url, edit(), {});
    expect(none.status).toBe(401);
    expect(await errorOf(none)).toMatchObject({ type: 'authentication_error', code: 'missing_api_key' });
    const wrong = await postForm(h.url, edit(), bearer('sk-guessed-secret-value'));
    expect(wrong.status).toBe(401);
    const error = await errorOf(wrong);
    expect(error.message).not.toContain('sk-guessed-secret-value');
    expect(error.message).toContain(hashKey('sk-guessed-secret-value'));
    expect(h.sim.requests).toHaveLength(0);
  });

  it('a virtual key may use its groups only (403 otherwise) and sees only them in /v1/models', async () => {
    const ok = await postForm(h.url, edit('gpt-image-2'), bearer(TEAM_KEY));
    expect(ok.status).toBe(200);
    const denied = await postForm(h.url, edit('dall-e-2'), bearer(TEAM_KEY));
    expect(denied.status).toBe(403);
    expect(await errorOf(denied)).toMatchObject({ type: 'permission_error', param: 'model' });
    // By deployment model name, and a name that exists nowhere: still 403, never the full group list.
    const byModel = await postForm(h.url, edit('openai/dall-e-2'), bearer(TEAM_KEY));
    expect(byModel.status).toBe(403);
    const unknown = await postForm(h.url, edit('secret-group'), bearer(TEAM_KEY));
    expect(unknown.status).toBe(403);
    expect((await errorOf(unknown)).message).not.toContain('dall-e-2');

    const client = new OpenAI({ apiKey: TEAM_KEY, baseURL: `${h.url}/v1`, maxRetries: 0 });
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['gpt-image-2']);
    const master = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${h.url}/v1`, maxRetries: 0 });
    expect((await master.models.list()).data.map((m) => m.id)).toEqual(['gpt-image-2', 'dall-e-2']);
    await expect(
      client.images.edit({
        model: 'dall-e-2',
        prompt: 'x',
        image: await toFile(IMAGE, 'a.png', { type: 'image/png' }),
      }),
    ).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
  });

  it('rpm_limit: the third request within a minute is a 429 with retry-after', async () => {
    expect((await postForm(h.url, edit(), bearer(LIMITED_KEY))).status).toBe(200);
    expect((await postForm(h.url, edit(), bearer(LIMITED_KEY))).status).toBe(200);
    const limited = await postForm(h.url, edit(), bearer(LIMITED_KEY));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await errorOf(limited)).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
  });

  it('max_budget: once spent, calls are a 429 budget_exceeded that clients do not retry', async () => {
    expect((await postForm(h.url, edit(), bearer(BROKE_KEY))).status).toBe(200);
    const count = h.sim.requests.length;
    const over = await postForm(h.url, edit(), bearer(BROKE_KEY));
    expect(over.status).toBe(429);
    expect(over.headers.get('x-should-retry')).toBe('false');
    expect(await errorOf(over)).toMatchObject({ code: 'budget_exceeded' });
    expect(h.sim.requests).toHaveLength(count);
    expect((await h.proxy.router.spend()).byKey[hashKey(BROKE_KEY)]).toBeGreaterThan(0);
  });

  it('never logs a key: log lines carry its short hash and alias', () => {
    const text = h.logs.join('');
    for (const key of [MASTER_KEY, TEAM_KEY, LIMITED_KEY, BROKE_KEY, 'sk-guessed-secret-value']) {
      expect(text).not.toContain(key);
    }
    expect(text).toContain(hashKey(TEAM_KEY));
    expect(text).toContain('"key_alias":"team-a"');
  });
});

describe('health, models and metrics', () => {
  it('liveliness and readiness answer without a key and without calling upstream', async () => {
    const before = h.sim.requests.length;
    const live = await fetch(`${h.url}/health/liveliness`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${h.url}/health/readiness`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'healthy', model_groups: 2, deployments: 2 });
    expect(h.sim.requests).toHaveLength(before);
  });

  it('/health lists each deployment’s state (no secrets, no paid calls) and needs a key', async () => {
    expect((await fetch(`${h.url}/health`)).status).toBe(401);
    const before = h.sim.requests.length;
    const response = await fetch(`${h.url}/health`, { headers: bearer(MASTER_KEY) });
    const body = (await response.json()) as {
      healthy_count: number;
      healthy_endpoints: Record<string, unknown>[];
    };
    expect(body.healthy_count).toBe(2);
    expect(body.healthy_endpoints[0]).toMatchObject({
      model_group: 'gpt-image-2',
      model_id: 'openai-sim',
      provider: 'openai',
    });
    expect(JSON.stringify(body)).not.toMatch(/api_key|api_base|sk-test-simulator/);
    expect(h.sim.requests).toHaveLength(before);
  });

  it('/metrics exposes requests, latency, upstream errors by class, cost and cooldowns', async () => {
    h.sim.injectFault({ type: 'status', status: 500 });
    expect((await postForm(h.url, edit(), bearer(MASTER_KEY))).status).toBe(500);
    expect((await fetch(`${h.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${h.url}/metrics`, { headers: bearer(TEAM_KEY) })).status).toBe(403);
    const text = await (await fetch(`${h.url}/metrics`, { headers: bearer(MASTER_KEY) })).text();
    expect(text).toMatch(
      /retouch_requests_total\{route="\/v1\/images\/edits",status="200",model_group="gpt-image-2",method="POST"\} \d+/,
    );
    expect(text).toMatch(/retouch_request_duration_seconds_bucket\{/);
    expect(text).toMatch(
      /retouch_upstream_errors_total\{error_class="InternalServerError",model_group="gpt-image-2",deployment="openai-sim",provider="openai"\} 1/,
    );
    expect(text).toMatch(
      /retouch_cost_usd_total\{model_group="gpt-image-2",deployment="openai-sim",provider="openai"\} [\d.e-]+/,
    );
    expect(text).toMatch(
      /retouch_deployment_cooling_down\{deployment="openai-sim",model_group="gpt-image-2",provider="openai"\} 0/,
    );
  });

  it('unknown routes are a 404 in OpenAI’s shape with an x-request-id', async () => {
    const response = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: bearer(MASTER_KEY),
    });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-request-id')).toEqual(expect.any(String));
    expect(await errorOf(response)).toMatchObject({ type: 'not_found_error' });
  });
});

describe('lifecycle', () => {
  it('a client that goes away cancels the upstream call it was waiting for', async () => {
    h.sim.injectFault({ type: 'delay', ms: 5_000 });
    const { body, contentType } = curlForm(edit());
    const started = Date.now();
    await expect(
      fetch(`${h.url}/v1/images/edits`, {
        method: 'POST',
        headers: { ...bearer(MASTER_KEY), 'content-type': contentType },
        body,
        signal: AbortSignal.timeout(300),
      }),
    ).rejects.toThrow();
    let inFlight = 1;
    while (inFlight > 0 && Date.now() - started < 3_000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      inFlight = (await h.proxy.router.deployments()).reduce((n, d) => n + d.inFlight, 0);
    }
    expect(inFlight).toBe(0);
    expect(Date.now() - started).toBeLessThan(3_000);
    h.sim.clearFaults();
  });
});

describe('open mode', () => {
  it('without a master key or virtual keys every request is let in, and startup says so', async () => {
    const open = await startHarness({ generalSettings: '  max_images: 4\n' });
    try {
      expect((await postForm(open.url, edit(), {})).status).toBe(200);
      expect(open.logs.join('')).toMatch(/the proxy is OPEN/);
    } finally {
      await open.close();
    }
  });
});
