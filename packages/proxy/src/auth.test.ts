import { describe, expect, it } from '@jest/globals';
import { hashKey, KeyStore, keyBudgets } from './auth.js';

describe('KeyStore', () => {
  const keys = new KeyStore({
    masterKey: 'sk-master',
    keys: [
      { key: 'sk-a', key_alias: 'a', models: ['edit'], rpm_limit: 2, user_id: 'team-a' },
      { key: 'sk-all', models: ['*'] },
    ],
  });

  it('authenticates the master key and virtual keys; refuses others with a 401', async () => {
    expect(await keys.authenticate({ authorization: 'Bearer sk-master' })).toMatchObject({
      isMaster: true,
      alias: 'master',
    });
    expect(await keys.authenticate({ authorization: 'bearer sk-a' })).toMatchObject({
      alias: 'a',
      userId: 'team-a',
      keyHash: hashKey('sk-a'),
    });
    expect((await keys.authenticate({ 'x-api-key': 'sk-all' })).models).toBeUndefined();
    await expect(keys.authenticate({})).rejects.toThrow(
      expect.objectContaining({ status: 401, code: 'missing_api_key' }),
    );
    // The help text survives redaction: it tells the caller what to send.
    await expect(keys.authenticate({})).rejects.toThrow(/send Authorization: Bearer <key> \(/);
    await expect(keys.authenticate({ authorization: 'Bearer sk-nope' })).rejects.toThrow(
      expect.objectContaining({ status: 401, code: 'invalid_api_key' }),
    );
    await expect(keys.authenticate({ authorization: 'Basic abc' })).rejects.toThrow(
      expect.objectContaining({ status: 401 }),
    );
  });

  it('authorizes model groups (403 otherwise)', async () => {
    const a = await keys.authenticate({ authorization: 'Bearer sk-a' });
    expect(() => keys.authorizeModel(a, 'edit')).not.toThrow();
    expect(() => keys.authorizeModel(a, 'other')).toThrow(
      expect.objectContaining({ status: 403, param: 'model' }),
    );
    expect(() => keys.authorizeModel(a, 'gpt-image-2', [])).toThrow(expect.objectContaining({ status: 403 }));
  });

  it('limits requests per minute with a sliding window', async () => {
    const a = await keys.authenticate({ authorization: 'Bearer sk-a' });
    keys.checkRpm(a, 1_000);
    keys.checkRpm(a, 2_000);
    expect(() => keys.checkRpm(a, 3_000)).toThrow(
      expect.objectContaining({ status: 429, retryAfterMs: 58_000 }),
    );
    expect(() => keys.checkRpm(a, 61_500)).not.toThrow();
  });

  it('is open with no keys at all', async () => {
    const open = new KeyStore({});
    expect(open.open).toBe(true);
    expect((await open.authenticate({})).alias).toBe('open');
  });

  it('keyBudgets names the key budget the router holds per call', () => {
    expect(keyBudgets({ alias: 'a', isMaster: false })).toEqual([]);
    expect(keyBudgets({ alias: 'a', keyHash: 'abc', isMaster: false, maxBudget: 1 })).toEqual([
      { scope: 'key', id: 'abc', maxUsd: 1, label: 'a' },
    ]);
  });
});
