/**
 * The console over a proxy with a database: database keys with `metadata.admin: true` sign in,
 * others do not, a revoked admin key's session ends, the Keys page's spend per key covers
 * database keys too, and Logs read the spend log (another proxy's calls included).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { ConsoleKeys, ConsoleLogs, ConsoleSession } from '@retouch/proxy-console';
import { openStore, type Store } from '@retouch/store';
import { errorOf, type Harness, IMAGE, MASTER_KEY, postForm, startHarness } from '../test-support/harness.js';

const master = { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' };

async function generate(h: Harness, body: Record<string, unknown>): Promise<{ key: string; token: string }> {
  const response = await fetch(`${h.url}/key/generate`, {
    method: 'POST',
    headers: master,
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { key: string; token: string };
}

async function signIn(h: Harness, key: string): Promise<{ status: number; cookie: string }> {
  const response = await fetch(`${h.url}/ui/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key }),
  });
  return { status: response.status, cookie: response.headers.get('set-cookie')?.split(';')[0] ?? '' };
}

describe('the console with a database', () => {
  let store: Store;
  let h: Harness;

  // An embedded PGlite takes seconds to start and migrate, far more on a loaded machine than Jest's
  // default 20 s allows a hook: the same 60 s as the store's own backends (@retouch/store/test-support).
  beforeAll(async () => {
    store = await openStore({});
    h = await startHarness({ store, generalSettings: `  master_key: ${MASTER_KEY}\n` });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await store?.close();
  });

  it('lets a database key with metadata.admin sign in, and ends its session when it is revoked', async () => {
    const admin = await generate(h, { key_alias: 'ops-db', metadata: { admin: true } });
    const plain = await generate(h, { key_alias: 'team-db' });

    const refused = await signIn(h, plain.key);
    expect(refused.status).toBe(403);
    const signedIn = await signIn(h, admin.key);
    expect(signedIn.status).toBe(200);
    const session = (await (
      await fetch(`${h.url}/ui/api/session`, { headers: { cookie: signedIn.cookie } })
    ).json()) as ConsoleSession;
    expect(session).toEqual({ alias: 'ops-db', master: false, keyApi: true, spendLogs: expect.any(Boolean) });

    const deleted = await fetch(`${h.url}/key/delete`, {
      method: 'POST',
      headers: master,
      body: JSON.stringify({ keys: [admin.token] }),
    });
    expect(deleted.status).toBe(200);
    const after = await fetch(`${h.url}/ui/api/session`, { headers: { cookie: signedIn.cookie } });
    expect(after.status).toBe(401);
    expect((await errorOf(after)).code).toBe('invalid_api_key');
  });

  it('reports what the router counted per key, database keys included, by short hash', async () => {
    const team = await generate(h, { key_alias: 'spender', max_budget: 5 });
    const edited = await postForm(
      h.url,
      [
        { name: 'model', value: 'gpt-image-2' },
        { name: 'prompt', value: 'Add a hat' },
        { name: 'image', file: IMAGE },
      ],
      { authorization: `Bearer ${team.key}` },
    );
    expect(edited.status).toBe(200);
    const cost = Number(edited.headers.get('x-retouch-response-cost'));
    expect(cost).toBeGreaterThan(0);
    const keys = (await (await fetch(`${h.url}/ui/api/keys`, { headers: master })).json()) as ConsoleKeys;
    expect(keys.spendByKey[team.token.slice(0, 12)]).toBeCloseTo(cost, 10);
    expect(JSON.stringify(keys)).not.toContain(team.key);
  });

  it("lists the spend log's rows, another proxy's too, beside the requests this one refused before any call", async () => {
    const endedAt = new Date();
    await store.spendLogs.insert([
      {
        id: randomUUID(),
        requestId: 'from-another-proxy',
        startedAt: new Date(endedAt.getTime() - 900),
        endedAt,
        apiKey: null,
        keyAlias: 'elsewhere',
        endUser: 'carol',
        teamId: null,
        modelGroup: 'gpt-image-1',
        deploymentId: 'openai-sim',
        provider: 'openai',
        model: 'gpt-image-1',
        spend: 0.042,
        promptTokens: null,
        completionTokens: null,
        totalTokens: null,
        usage: null,
        latencyMs: 900,
        attempts: 2,
        status: 'success',
        errorCode: null,
        warnings: [],
        prompt: null,
        metadata: {},
      },
    ]);
    const refused = await postForm(h.url, [{ name: 'model', value: 'gpt-image-1' }]);
    expect(refused.status).toBe(400);
    const logs = (await (
      await fetch(`${h.url}/ui/api/logs?limit=50`, { headers: master })
    ).json()) as ConsoleLogs;
    expect(logs).toMatchObject({ source: 'store', capacity: null, storeError: null });
    const ids = logs.entries.map((e) => e.requestId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(logs.entries.find((e) => e.requestId === 'from-another-proxy')).toMatchObject({
      status: 200,
      ok: true,
      keyAlias: 'elsewhere',
      user: 'carol',
      attempts: 2,
      costUsd: 0.042,
    });
    expect(logs.entries.find((e) => e.requestId === refused.headers.get('x-request-id'))).toMatchObject({
      status: 400,
      ok: false,
    });
    const carol = (await (
      await fetch(`${h.url}/ui/api/logs?user=CAR&key=else`, { headers: master })
    ).json()) as ConsoleLogs;
    expect(carol.entries.map((e) => e.requestId)).toEqual(['from-another-proxy']);
  });
});
