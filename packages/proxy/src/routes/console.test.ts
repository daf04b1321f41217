import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ConsoleLogs, ConsoleModels, ConsoleOverview, ConsoleSession } from '@retouch/proxy-console';
import {
  errorOf,
  type Harness,
  IMAGE,
  MASK,
  MASTER_KEY,
  postForm,
  startHarness,
  TEAM_KEY,
} from '../test-support/harness.js';

const ADMIN_KEY = 'sk-console-admin-9999';
const KEYS = `  master_key: ${MASTER_KEY}
  keys:
    - key: ${TEAM_KEY}
      key_alias: team-a
      models: [gpt-image-2]
      max_budget: 5
    - key: ${ADMIN_KEY}
      key_alias: ops
      admin: true
`;

/** A console build as Vite lays it out: two pages, an app chunk, and a chunk only the login page shares. */
async function fakeBuild(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'retouch-console-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(
    join(dir, 'index.html'),
    '<!doctype html><title>app</title><script type="module" src="./assets/index-a1.js"></script>',
  );
  await writeFile(
    join(dir, 'login.html'),
    '<!doctype html><title>login</title><script type="module" src="./assets/login-b2.js"></script><link rel="stylesheet" href="./assets/styles-c3.css">',
  );
  await writeFile(
    join(dir, 'assets', 'index-a1.js'),
    `import"./shared-d4.js";console.log(${JSON.stringify('app '.repeat(500))});`,
  );
  await writeFile(join(dir, 'assets', 'login-b2.js'), 'import{t}from"./shared-d4.js";t();');
  await writeFile(join(dir, 'assets', 'shared-d4.js'), 'export function t(){}');
  await writeFile(join(dir, 'assets', 'styles-c3.css'), 'body{margin:0}');
  return dir;
}

async function signIn(url: string, key: string): Promise<{ response: Response; cookie?: string }> {
  const response = await fetch(`${url}/ui/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key }),
  });
  const setCookie = response.headers.get('set-cookie') ?? undefined;
  return { response, cookie: setCookie?.split(';')[0] };
}

describe('the console at /ui', () => {
  let h: Harness;
  let cookie: string;

  beforeAll(async () => {
    h = await startHarness({ generalSettings: KEYS, console: { assetsDir: await fakeBuild() } });
  });
  afterAll(async () => h.close());

  it('serves only the sign-in page and what it loads without a key', async () => {
    const page = await fetch(`${h.url}/ui/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>login</title>');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('cache-control')).toBe('no-store');
    for (const path of ['login-b2.js', 'shared-d4.js', 'styles-c3.css']) {
      expect((await fetch(`${h.url}/ui/assets/${path}`)).status).toBe(200);
    }
    const app = await fetch(`${h.url}/ui/assets/index-a1.js`);
    expect(app.status).toBe(401);
    expect((await errorOf(app)).code).toBe('missing_api_key');
    for (const path of ['overview', 'logs', 'models', 'keys', 'session']) {
      expect((await fetch(`${h.url}/ui/api/${path}`)).status).toBe(401);
    }
    const redirect = await fetch(`${h.url}/ui`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(new URL(redirect.headers.get('location') ?? '', `${h.url}/ui`).pathname).toBe('/ui/');
  });

  it('refuses a wrong key and a virtual key without admin, and says why', async () => {
    const wrong = await signIn(h.url, 'sk-nope');
    expect(wrong.response.status).toBe(401);
    expect(wrong.cookie).toBeUndefined();
    const team = await signIn(h.url, TEAM_KEY);
    expect(team.response.status).toBe(403);
    expect((await errorOf(team.response)).message).toContain('admin: true');
    const byBearer = await fetch(`${h.url}/ui/api/overview`, {
      headers: { authorization: `Bearer ${TEAM_KEY}` },
    });
    expect(byBearer.status).toBe(403);
  });

  it('signs in with the master key into an HttpOnly, SameSite=Strict session for the app and its files', async () => {
    const { response, cookie: got } = await signIn(h.url, MASTER_KEY);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ alias: 'master', master: true });
    const setCookie = response.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(
      /^retouch_console=[\w-]{43}; Path=\/ui; HttpOnly; SameSite=Strict; Max-Age=28800$/,
    );
    expect(setCookie).not.toContain(MASTER_KEY);
    cookie = got as string;
    const page = await fetch(`${h.url}/ui/`, { headers: { cookie } });
    expect(await page.text()).toContain('<title>app</title>');
    const app = await fetch(`${h.url}/ui/assets/index-a1.js`, {
      headers: { cookie, 'accept-encoding': 'gzip' },
    });
    expect(app.status).toBe(200);
    expect(app.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(app.headers.get('cache-control')).toContain('immutable');
    // fetch decodes gzip itself; the raw bytes are compared through a second, undecoded read.
    expect(await app.text()).toContain('app app');
    const session = (await (
      await fetch(`${h.url}/ui/api/session`, { headers: { cookie } })
    ).json()) as ConsoleSession;
    expect(session).toEqual({ alias: 'master', master: true, keyApi: false, spendLogs: false });
    expect((await fetch(`${h.url}/ui/assets/missing.js`, { headers: { cookie } })).status).toBe(404);
  });

  it('compresses text files for clients that accept gzip', async () => {
    const { request } = await import('node:http');
    const body = await new Promise<{ encoding?: string; bytes: Buffer }>((resolve, reject) => {
      const req = request(
        `${h.url}/ui/assets/index-a1.js`,
        { headers: { cookie, 'accept-encoding': 'gzip' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ encoding: res.headers['content-encoding'], bytes: Buffer.concat(chunks) }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(body.encoding).toBe('gzip');
    expect(gunzipSync(body.bytes).toString()).toContain('app app');
    expect(body.bytes.length).toBeLessThan(500);
  });

  it('takes a virtual key with admin: true, and signing out ends the session', async () => {
    const { response, cookie: ops } = await signIn(h.url, ADMIN_KEY);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ alias: 'ops', master: false });
    expect((await fetch(`${h.url}/ui/api/models`, { headers: { cookie: ops as string } })).status).toBe(200);
    const out = await fetch(`${h.url}/ui/api/logout`, { method: 'POST', headers: { cookie: ops as string } });
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await fetch(`${h.url}/ui/api/models`, { headers: { cookie: ops as string } })).status).toBe(401);
    const page = await fetch(`${h.url}/ui/`, { headers: { cookie: ops as string } });
    expect(await page.text()).toContain('<title>login</title>');
  });

  it('lists what each model group accepts, from its deployments', async () => {
    const models = (await (
      await fetch(`${h.url}/ui/api/models`, { headers: { cookie } })
    ).json()) as ConsoleModels;
    const gpt = models.groups.find((g) => g.name === 'gpt-image-2');
    expect(gpt).toMatchObject({
      mask: 'optional',
      maxN: 10,
      promptRequired: true,
      streaming: true,
      partialImages: true,
    });
    expect(gpt?.maxImages).toBeGreaterThan(1);
    expect(gpt?.sizes).toEqual(expect.arrayContaining(['1024x1024', 'auto']));
    expect(gpt?.deployments).toEqual([{ id: 'openai-sim', model: 'gpt-image-2', provider: 'openai' }]);
    const dalle = models.groups.find((g) => g.name === 'dall-e-2');
    expect(dalle?.maxImages).toBe(1);
    expect(dalle?.sizes).not.toContain('auto');
    // dall-e-2 does not stream upstream: a streamed edit of it carries the final image only.
    expect(dalle).toMatchObject({ streaming: false, partialImages: false });
  });

  it('shows config keys with their spend, never the key', async () => {
    const response = await fetch(`${h.url}/ui/api/keys`, { headers: { cookie } });
    const text = await response.text();
    expect(text).not.toContain(TEAM_KEY);
    expect(text).not.toContain(ADMIN_KEY);
    const { keys } = JSON.parse(text) as {
      keys: { alias: string; maxBudget: number | null; admin: boolean }[];
    };
    expect(keys.map((k) => [k.alias, k.maxBudget, k.admin])).toEqual([
      ['team-a', 5, false],
      ['ops', null, true],
    ]);
  });

  it('limits failed sign-ins per address', async () => {
    let status = 0;
    for (let i = 0; i < 12; i++) status = (await signIn(h.url, `sk-guess-${i}`)).response.status;
    expect(status).toBe(429);
  });

  it('answers 400 for bad query values', async () => {
    const r = await fetch(`${h.url}/ui/api/overview?minutes=0`, { headers: { cookie } });
    expect(r.status).toBe(400);
    expect((await errorOf(r)).param).toBe('minutes');
    const l = await fetch(`${h.url}/ui/api/logs?status=maybe`, { headers: { cookie } });
    expect((await errorOf(l)).param).toBe('status');
  });
});

describe('the console records edits', () => {
  let h: Harness;
  const headers = { authorization: `Bearer ${MASTER_KEY}` };

  beforeAll(async () => {
    h = await startHarness({ generalSettings: KEYS, console: { logCapacity: 50 } });
  });
  afterAll(async () => h.close());

  it('lists each edit with its outcome, and filters them', async () => {
    const form = (extra: { name: string; value: string }[] = []) => [
      { name: 'model', value: 'gpt-image-2' },
      { name: 'prompt', value: 'Add a hat' },
      { name: 'image', file: IMAGE },
      { name: 'mask', file: MASK },
      ...extra,
    ];
    expect((await postForm(h.url, form([{ name: 'user', value: 'alice' }]))).status).toBe(200);
    expect((await postForm(h.url, form(), { authorization: `Bearer ${TEAM_KEY}` })).status).toBe(200);
    expect((await postForm(h.url, form([{ name: 'n', value: '11' }]))).status).toBe(400);
    h.sim.injectFault({ type: 'status', status: 500 });
    expect((await postForm(h.url, form([{ name: 'user', value: 'bob' }]))).status).toBe(500);

    const logs = async (query = '') =>
      (await (await fetch(`${h.url}/ui/api/logs${query}`, { headers })).json()) as ConsoleLogs;
    const all = await logs();
    expect(all.source).toBe('memory');
    expect(all.capacity).toBe(50);
    expect(all.entries.map((e) => e.status)).toEqual([500, 400, 200, 200]);
    const [failed, invalid, team, alice] = all.entries;
    expect(alice).toMatchObject({
      modelGroup: 'gpt-image-2',
      deployment: 'openai-sim',
      provider: 'openai',
      attempts: 1,
      user: 'alice',
      keyAlias: 'master',
      errorCode: null,
      errorMessage: null,
    });
    expect(alice?.costUsd).toBeGreaterThan(0);
    expect(team?.keyAlias).toBe('team-a');
    expect(invalid).toMatchObject({ deployment: null, attempts: 0, costUsd: null });
    expect(invalid?.errorMessage).toContain('n');
    expect(failed).toMatchObject({
      deployment: 'openai-sim',
      provider: 'openai',
      user: 'bob',
      costUsd: null,
    });
    expect(failed?.errorMessage).toBeTruthy();
    expect(JSON.stringify(all)).not.toContain(MASTER_KEY);

    expect((await logs('?status=error')).entries.map((e) => e.status)).toEqual([500, 400]);
    expect((await logs('?status=ok&user=ali')).entries.map((e) => e.user)).toEqual(['alice']);
    expect((await logs('?key=team')).entries).toHaveLength(1);
    expect((await logs('?model=dall-e-2')).entries).toHaveLength(0);
    expect((await logs('?limit=1')).entries).toHaveLength(1);

    const overview = (await (
      await fetch(`${h.url}/ui/api/overview?minutes=5`, { headers })
    ).json()) as ConsoleOverview;
    expect(overview.minutes).toHaveLength(5);
    expect(overview.window).toMatchObject({ requests: 4, clientErrors: 1, serverErrors: 1 });
    expect(overview.window.p50Ms).toBeGreaterThan(0);
    const spent = (alice?.costUsd ?? 0) + (team?.costUsd ?? 0);
    expect(overview.spend.today.totalUsd).toBeCloseTo(spent, 10);
    expect(overview.spend.month.byDeployment['openai-sim']).toBeCloseTo(spent, 10);
    expect(overview.spend.today.byModelGroup['gpt-image-2']).toBeCloseTo(spent, 10);
    const sim = overview.deployments.find((d) => d.id === 'openai-sim');
    expect(sim?.failureKinds).toEqual({ InternalServerError: 1 });
    expect(sim?.recentFailures[0]).toMatchObject({ errorClass: 'InternalServerError', status: 500 });
    const last = overview.minutes.at(-1);
    expect(last?.byModelGroup['gpt-image-2']).toBe(4);
    // Lifecycle warnings come from the catalogue: the harness sends retired dall-e-2 anyway.
    expect(sim?.lifecycle).toBeNull();
    expect(overview.deployments.find((d) => d.id === 'dalle-sim')?.lifecycle).toMatchObject({
      status: 'retired',
      shutdown: '2026-05-12',
      successor: expect.stringMatching(/^gpt-image-/),
      selected: true,
      message: expect.stringContaining('allow_retired'),
    });
  });
  it('records streamed edits with their cost, and a stream broken after its 200 as a failure', async () => {
    const stream = (prompt: string) =>
      postForm(h.url, [
        { name: 'model', value: 'gpt-image-2' },
        { name: 'prompt', value: prompt },
        { name: 'image', file: IMAGE },
        { name: 'stream', value: 'true' },
        { name: 'partial_images', value: '1' },
        { name: 'user', value: 'streamer' },
      ]);
    const ok = await stream('Add a hat');
    expect(ok.headers.get('content-type')).toContain('text/event-stream');
    await ok.text();
    const id = ok.headers.get('x-request-id') as string;
    h.sim.injectFault({ type: 'stream-error', afterEvents: 1, message: 'The server had an error.' });
    const broken = await stream('Add a scarf');
    expect(broken.status).toBe(200);
    expect(await broken.text()).toContain('event: error');
    const brokenId = broken.headers.get('x-request-id') as string;

    const logs = async (query: string) => {
      // The record lands when the response has finished on the proxy's side.
      for (let tries = 0; tries < 50; tries++) {
        const answer = (await (
          await fetch(`${h.url}/ui/api/logs${query}`, { headers })
        ).json()) as ConsoleLogs;
        if (answer.entries.length > 0) return answer.entries;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return [];
    };
    const [streamed] = await logs(`?request=${id}`);
    expect(streamed).toMatchObject({ requestId: id, status: 200, errorCode: null, deployment: 'openai-sim' });
    expect(streamed?.costUsd).toBeGreaterThan(0);
    const [failed] = await logs(`?request=${brokenId}`);
    expect(failed).toMatchObject({ status: 200, costUsd: null });
    expect(failed?.errorCode).toBeTruthy();
    expect(failed?.errorMessage).toContain('server had an error');
    const errors = await logs('?status=error&user=streamer');
    expect(errors.map((e) => e.requestId)).toEqual([brokenId]);
  });
});

describe('a console that is off or cannot be used', () => {
  it('is not served with general_settings.disable_admin_ui', async () => {
    const h = await startHarness({
      generalSettings: `  master_key: ${MASTER_KEY}\n  disable_admin_ui: true\n`,
    });
    try {
      expect((await fetch(`${h.url}/ui/`)).status).toBe(404);
      expect((await signIn(h.url, MASTER_KEY)).response.status).toBe(404);
    } finally {
      await h.close();
    }
  });

  it('refuses to run on an open proxy (no master key)', async () => {
    const h = await startHarness({
      generalSettings: '  max_images: 4\n',
      console: { assetsDir: await fakeBuild() },
    });
    try {
      const page = await fetch(`${h.url}/ui/`);
      expect(page.status).toBe(403);
      expect((await errorOf(page)).code).toBe('console_needs_master_key');
      expect((await fetch(`${h.url}/ui/api/overview`)).status).toBe(403);
    } finally {
      await h.close();
    }
  });

  it('says how to build it when its files are missing, and its API still answers', async () => {
    const h = await startHarness({ console: { assetsDir: join(tmpdir(), 'retouch-no-such-console') } });
    try {
      const page = await fetch(`${h.url}/ui/`);
      expect(page.status).toBe(503);
      expect((await errorOf(page)).message).toContain('pnpm build');
      const api = await fetch(`${h.url}/ui/api/models`, {
        headers: { authorization: `Bearer ${MASTER_KEY}` },
      });
      expect(api.status).toBe(200);
    } finally {
      await h.close();
    }
  });
});
