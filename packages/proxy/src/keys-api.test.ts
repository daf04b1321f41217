import { describe, expect, it } from '@jest/globals';
import { hashToken } from '@retouch/store';
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

async function call(h: Harness, path: string, body?: unknown, headers: Record<string, string> = master) {
  const response = await fetch(`${h.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const edit = (h: Harness, key: string) =>
  postForm(
    h.url,
    [
      { name: 'model', value: 'gpt-image-2' },
      { name: 'prompt', value: 'x' },
      { name: 'image', file: IMAGE },
    ],
    { authorization: `Bearer ${key}` },
  );

describe('key management API', () => {
  eachBackend((backend) => {
    const start = async () =>
      startHarness({
        store: await backend.open(),
        generalSettings: `  master_key: ${MASTER_KEY}\n  keys:\n    - key: ${TEAM_KEY}\n      key_alias: from-config\n`,
      });

    it('generates a key shown once, stored as its hash, that edits within its models', async () => {
      const h = await start();
      try {
        const generated = await call(h, '/key/generate', {
          key_alias: 'team-b',
          models: ['gpt-image-2'],
          max_budget: 10,
          budget_duration: '30d',
          rpm_limit: 100,
          tpm_limit: 100000,
          user_id: 'bob',
          team_id: 'design',
          metadata: { owner: 'ops' },
          duration: '1h',
        });
        expect(generated.status).toBe(200);
        const key = generated.body.key as string;
        expect(key).toMatch(/^sk-/);
        expect(generated.body).toMatchObject({
          token: hashToken(key),
          key_name: `sk-...${key.slice(-4)}`,
          key_alias: 'team-b',
          models: ['gpt-image-2'],
          max_budget: 10,
          budget_duration: '30d',
          rpm_limit: 100,
          tpm_limit: 100000,
          user_id: 'bob',
          team_id: 'design',
          metadata: { owner: 'ops' },
          spend: 0,
          blocked: false,
        });
        const expires = Date.parse(generated.body.expires as string);
        expect(expires - Date.now()).toBeGreaterThan(3_500_000);
        expect((await edit(h, key)).status).toBe(200);
        const other = await postForm(
          h.url,
          [
            { name: 'model', value: 'dall-e-2' },
            { name: 'prompt', value: 'x' },
            { name: 'image', file: IMAGE },
          ],
          { authorization: `Bearer ${key}` },
        );
        expect(other.status).toBe(403);
        // The key itself is never returned again.
        const info = await call(h, `/key/info?key=${encodeURIComponent(key)}`);
        expect(info.status).toBe(200);
        expect(JSON.stringify(info.body)).not.toContain(key);
        expect(info.body).toMatchObject({
          key: hashToken(key),
          info: { key_alias: 'team-b', user_id: 'bob' },
        });
        expect((await call(h, `/key/info?key=${hashToken(key)}`)).body).toEqual(info.body);
        // Config keys keep working alongside.
        expect((await edit(h, TEAM_KEY)).status).toBe(200);
      } finally {
        await h.close();
      }
    });

    it('updates, blocks and deletes a key: refused at once after', async () => {
      const h = await start();
      try {
        const { body } = await call(h, '/key/generate', { key_alias: 'c' });
        const key = body.key as string;
        expect((await edit(h, key)).status).toBe(200);
        const updated = await call(h, '/key/update', {
          key,
          max_budget: 2,
          models: ['dall-e-2'],
          metadata: { admin: true },
        });
        expect(updated.status).toBe(200);
        expect(updated.body).toMatchObject({
          key: hashToken(key),
          max_budget: 2,
          models: ['dall-e-2'],
          key_alias: 'c',
        });
        expect((await edit(h, key)).status).toBe(403);
        expect((await call(h, '/key/block', { key: hashToken(key) })).body).toMatchObject({ blocked: true });
        const blocked = await edit(h, key);
        expect(blocked.status).toBe(401);
        expect((await errorOf(blocked)).code).toBe('key_blocked');
        await call(h, '/key/unblock', { key });
        await call(h, '/key/update', { key, models: [] });
        expect((await edit(h, key)).status).toBe(200);
        const deleted = await call(h, '/key/delete', { key_aliases: ['c'] });
        expect(deleted.body).toEqual({ deleted_keys: [hashToken(key)] });
        const gone = await edit(h, key);
        expect(gone.status).toBe(401);
        expect(await errorOf(gone)).toMatchObject({ code: 'invalid_api_key' });
        expect((await call(h, `/key/info?key=${hashToken(key)}`)).status).toBe(404);
      } finally {
        await h.close();
      }
    });

    it('refuses an expired key', async () => {
      const h = await start();
      try {
        const { body } = await call(h, '/key/generate', {
          expires: new Date(Date.now() - 1000).toISOString(),
        });
        const response = await edit(h, body.key as string);
        expect(response.status).toBe(401);
        expect(await errorOf(response)).toMatchObject({ code: 'key_expired' });
      } finally {
        await h.close();
      }
    });

    it('lists keys with filters and pages; master key only; fields checked', async () => {
      const h = await start();
      try {
        for (const alias of ['a', 'b', 'c'])
          await call(h, '/key/generate', { key_alias: alias, user_id: alias === 'c' ? 'carol' : 'ann' });
        const list = await call(h, '/key/list?size=2');
        expect(list.body).toMatchObject({ total_count: 3, current_page: 1, total_pages: 2 });
        expect(list.body.keys).toHaveLength(2);
        expect((list.body.keys as string[])[0]).toMatch(/^[0-9a-f]{64}$/);
        const carol = await call(h, '/key/list?user_id=carol&return_full_object=true');
        expect((carol.body.keys as { key_alias: string }[]).map((k) => k.key_alias)).toEqual(['c']);

        const { body } = await call(h, '/key/generate', { key_alias: 'd' });
        const asKey = await call(h, '/key/list', undefined, {
          authorization: `Bearer ${body.key as string}`,
        });
        expect(asKey.status).toBe(403);
        expect(asKey.body).toMatchObject({ error: { code: 'master_key_required' } });
        // An admin key (metadata.admin) manages keys too, as the console's admins do.
        const admin = await call(h, '/key/generate', { metadata: { admin: true } });
        const asAdmin = await call(h, '/key/list', undefined, {
          authorization: `Bearer ${admin.body.key as string}`,
        });
        expect(asAdmin.status).toBe(200);
        expect((await call(h, '/key/list', undefined, { authorization: 'Bearer nope' })).status).toBe(401);

        const taken = await call(h, '/key/generate', { key_alias: 'a' });
        expect(taken.status).toBe(400);
        expect(taken.body).toMatchObject({ error: { param: 'key_alias', code: 'conflict' } });
        const badDuration = await call(h, '/key/generate', { budget_duration: '30 days' });
        expect(badDuration.body).toMatchObject({ error: { param: 'budget_duration' } });
        const unknownField = await call(h, '/key/generate', { max_parallel_requests: 3 });
        expect(unknownField.status).toBe(400);
        expect((unknownField.body.error as { message: string }).message).toMatch(
          /max_parallel_requests: not supported/,
        );
        const unknownModel = await call(h, '/key/generate', { models: ['nope'] });
        expect(unknownModel.body).toMatchObject({ error: { param: 'models[0]' } });
      } finally {
        await h.close();
      }
    });
  }, PROXY_STORES);

  it('answers 400 no_database without a store, and 403 in open mode', async () => {
    const h = await startHarness();
    try {
      expect((await call(h, '/key/generate', {})).body).toMatchObject({ error: { code: 'no_database' } });
    } finally {
      await h.close();
    }
    const open = await startHarness({ generalSettings: '  {}\n' });
    try {
      expect((await call(open, '/key/list', undefined, {})).body).toMatchObject({
        error: { code: 'master_key_required' },
      });
    } finally {
      await open.close();
    }
  });
});
