import { describe, expect, it } from '@jest/globals';
import { hashToken, type Store } from '@retouch/store';
import {
  errorOf,
  type Harness,
  IMAGE,
  MASTER_KEY,
  PROXY_STORES,
  postForm,
  startHarness,
  TEAM_KEY,
} from './test-support/harness.js';
import { eachBackend } from '@retouch/store/test-support';

const master = { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' };

async function call(h: Harness, path: string, body?: unknown) {
  const response = await fetch(`${h.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: master,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

const edit = (h: Harness, key: string, fields: Record<string, string> = {}) =>
  postForm(
    h.url,
    [
      { name: 'model', value: fields.model ?? 'gpt-image-2' },
      { name: 'prompt', value: 'a secret prompt' },
      { name: 'image', file: IMAGE },
      ...(fields.user ? [{ name: 'user', value: fields.user }] : []),
    ],
    { authorization: `Bearer ${key}` },
  );

const general = (extra = '') =>
  `  master_key: ${MASTER_KEY}\n  keys:\n    - key: ${TEAM_KEY}\n      key_alias: from-config\n      max_budget: 0.0000001\n${extra}`;

describe('spend logs, reports and budgets in the store', () => {
  eachBackend((backend) => {
    const start = (store: Store, extra = '') => startHarness({ store, generalSettings: general(extra) });

    it('logs one row per edit (never the prompt by default) and answers /spend/logs, /global/spend and reports', async () => {
      const store = await backend.open();
      const h = await start(store);
      try {
        const generated = (await call(h, '/key/generate', { key_alias: 'team-b', team_id: 'design' }))
          .body as {
          key: string;
        };
        expect((await edit(h, generated.key, { user: 'alice' })).status).toBe(200);
        expect((await edit(h, generated.key, { user: 'bob', model: 'dall-e-2' })).status).toBe(200);
        expect((await edit(h, MASTER_KEY, { model: 'nope' })).status).toBe(404);
        const logs = (await call(h, '/spend/logs')).body as Record<string, unknown>[];
        expect(logs).toHaveLength(3);
        const alice = (await call(h, '/spend/logs?user_id=alice')).body as Record<string, unknown>[];
        expect(alice).toHaveLength(1);
        expect(alice[0]).toMatchObject({
          call_type: 'aimage_edit',
          api_key: hashToken(generated.key),
          user: 'alice',
          team_id: 'design',
          model_group: 'gpt-image-2',
          model_id: 'openai-sim',
          custom_llm_provider: 'openai',
          model: 'gpt-image-2',
          status: 'success',
          metadata: { user_api_key_alias: 'team-b', attempts: 1 },
        });
        expect(alice[0]?.spend).toBeGreaterThan(0);
        expect(alice[0]?.total_tokens).toBeGreaterThan(0);
        expect(JSON.stringify(logs)).not.toContain('a secret prompt');
        const failed = logs.find((l) => l.status === 'failure');
        expect(failed).toMatchObject({ spend: null, metadata: { error_code: 'NotFoundError' } });
        expect(
          ((await call(h, `/spend/logs?api_key=${generated.key}&model=dall-e-2`)).body as unknown[]).length,
        ).toBe(1);
        const today = new Date().toISOString().slice(0, 10);
        expect(
          ((await call(h, `/spend/logs?start_date=${today}&end_date=${today}`)).body as unknown[]).length,
        ).toBe(3);
        expect(((await call(h, '/spend/logs?end_date=2020-01-01')).body as unknown[]).length).toBe(0);
        expect((await call(h, '/spend/logs?start_date=yesterday')).status).toBe(400);

        const total = (alice[0]?.spend as number) + (logs.find((l) => l.user === 'bob')?.spend as number);
        const global = (await call(h, '/global/spend')).body as { spend: number; requests: number };
        expect(global.spend).toBeCloseTo(total, 10);
        expect(global.requests).toBe(3);
        const report = (await call(h, '/global/spend/report?group_by=customer')).body as {
          group_by_day: string;
          customers: { name: string | null; total_spend: number }[];
        }[];
        expect(report).toHaveLength(1);
        expect(report[0]?.group_by_day).toBe(today);
        expect(report[0]?.customers.map((c) => c.name).sort()).toEqual(['alice', 'bob', null].sort());
        const byModel = (await call(h, '/global/spend/report?group_by=model')).body as {
          models: { name: string }[];
        }[];
        expect(byModel[0]?.models.map((m) => m.name).sort()).toEqual(['dall-e-2', 'gpt-image-2', 'nope']);
        expect((await call(h, '/global/spend/report?group_by=planet')).status).toBe(400);
        // The router's spend() reads the store.
        const spend = await h.proxy.router.spend();
        expect(spend.totalUsd).toBeCloseTo(total, 10);
        expect(spend.byUser.alice).toBeCloseTo(alice[0]?.spend as number, 10);
        expect(spend.byKey[hashToken(generated.key).slice(0, 12)]).toBeCloseTo(total, 10);
      } finally {
        await h.close();
      }
    });

    it('keeps prompts only when store_prompts_in_spend_logs says so', async () => {
      const h = await start(await backend.open(), '  store_prompts_in_spend_logs: true\n');
      try {
        await edit(h, MASTER_KEY);
        const [row] = (await call(h, '/spend/logs')).body as Record<string, unknown>[];
        expect(row?.messages).toBe('a secret prompt');
        expect(JSON.stringify(row)).not.toMatch(/iVBOR|base64/);
      } finally {
        await h.close();
      }
    });

    it('a restart keeps key, config-key and end-user budgets; a new budget period starts from 0', async () => {
      const schema = backend.name === 'postgres' ? { schema: `restart_${Date.now()}` } : {};
      const first = await backend.open(schema);
      let h = await start(first);
      const { key } = (await call(h, '/key/generate', { max_budget: 0.0000001, budget_duration: '30d' }))
        .body as {
        key: string;
      };
      const other = ((await call(h, '/key/generate', {})).body as { key: string }).key;
      expect((await call(h, '/customer/new', { user_id: 'carol', max_budget: 0.0000001 })).status).toBe(200);
      for (const k of [key, TEAM_KEY]) expect((await edit(h, k)).status).toBe(200);
      expect((await edit(h, other, { user: 'carol' })).status).toBe(200);
      expect((await edit(h, key)).status).toBe(429);
      await h.close();

      // Another process: new router state, the same database.
      const second = backend.name === 'postgres' ? await backend.open(schema) : first;
      h = await start(second);
      try {
        for (const k of [key, TEAM_KEY]) {
          const refused = await edit(h, k);
          expect(refused.status).toBe(429);
          expect((await errorOf(refused)).code).toBe('budget_exceeded');
        }
        const user = await edit(h, other, { user: 'carol' });
        expect(user.status).toBe(429);
        expect((await errorOf(user)).message).toContain('user "carol"');
        expect((await edit(h, other, { user: 'dave' })).status).toBe(200);
        const info = (await call(h, '/customer/info?end_user_id=carol')).body as {
          spend: number;
          max_budget: number;
        };
        expect(info.spend).toBeGreaterThan(info.max_budget);
        // The 30-day period passes: spend goes back to 0 and the key works again.
        expect(await second.keys.resetDueBudgets(new Date(Date.now() + 31 * 86_400_000))).toBe(1);
        // The reset reaches the proxy's key cache by NOTIFY, a moment after it commits.
        let status = 0;
        for (const end = Date.now() + 10_000; Date.now() < end && status !== 200; ) {
          status = (await edit(h, key)).status;
          if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(status).toBe(200);
        const keyInfo = (await call(h, `/key/info?key=${hashToken(key)}`)).body as {
          info: { spend: number };
        };
        expect(keyInfo.info.spend).toBeGreaterThan(0);
      } finally {
        await h.close();
      }
    });

    it("max_end_user_budget counts the database's spend (a restart gives no new budget); an end-user's own budget replaces it", async () => {
      const schema = backend.name === 'postgres' ? { schema: `end_user_default_${Date.now()}` } : {};
      const routerSettings = '  max_end_user_budget: 0.0000001\n';
      const first = await backend.open(schema);
      let h = await startHarness({ store: first, generalSettings: general(), extra: routerSettings });
      expect((await edit(h, MASTER_KEY, { user: 'frank' })).status).toBe(200);
      expect((await edit(h, MASTER_KEY, { user: 'frank' })).status).toBe(429);
      await h.close();

      // Another process: new router state, the same database.
      const second = backend.name === 'postgres' ? await backend.open(schema) : first;
      h = await startHarness({ store: second, generalSettings: general(), extra: routerSettings });
      try {
        const refused = await edit(h, MASTER_KEY, { user: 'frank' });
        expect(refused.status).toBe(429);
        expect(await errorOf(refused)).toMatchObject({ code: 'budget_exceeded' });
        expect((await errorOf(await edit(h, MASTER_KEY, { user: 'frank' }))).message).toContain(
          'user "frank"',
        );
        expect((await edit(h, MASTER_KEY, { user: 'grace' })).status).toBe(200);
        // As LiteLLM: the default is for end-users without a budget of their own.
        expect((await call(h, '/customer/new', { user_id: 'heidi', max_budget: 100 })).status).toBe(200);
        for (let i = 0; i < 2; i++) expect((await edit(h, MASTER_KEY, { user: 'heidi' })).status).toBe(200);
      } finally {
        await h.close();
      }
    });

    it('blocks an end-user and manages end-users', async () => {
      const h = await start(await backend.open());
      try {
        await call(h, '/end_user/new', { user_id: 'eve', blocked: true });
        const blocked = await edit(h, MASTER_KEY, { user: 'eve' });
        expect(blocked.status).toBe(403);
        expect((await errorOf(blocked)).code).toBe('end_user_blocked');
        expect((await call(h, '/customer/update', { user_id: 'eve', blocked: false })).body).toMatchObject({
          blocked: false,
        });
        expect((await edit(h, MASTER_KEY, { user: 'eve' })).status).toBe(200);
        expect((await call(h, '/customer/new', { user_id: 'eve' })).status).toBe(400);
        expect(
          ((await call(h, '/customer/list')).body as { user_id: string }[]).map((u) => u.user_id),
        ).toEqual(['eve']);
        expect((await call(h, '/customer/delete', { user_ids: ['eve'] })).body).toEqual({
          deleted_end_users: ['eve'],
        });
        expect((await call(h, '/customer/info?end_user_id=eve')).status).toBe(404);
      } finally {
        await h.close();
      }
    });
  }, PROXY_STORES);
});
