import { describe, expect, it } from '@jest/globals';
import { fromNow } from './format.js';
import { configKeyRow, toKeyRow } from './key-rows.js';

const TOKEN = 'ab12cd34ef56'.padEnd(64, '0');

/** A record as the proxy's `/key/list?return_full_object=true` answers it. */
const listed = {
  token: TOKEN,
  key_name: 'sk-...wxyz',
  key_alias: 'team-b',
  spend: 0.25,
  max_budget: 10,
  budget_duration: '30d',
  budget_reset_at: '2027-01-01T00:00:00.000Z',
  expires: null,
  models: ['gpt-image-1'],
  rpm_limit: 60,
  user_id: 'bob',
  metadata: { admin: true, owner: 'ops' },
  blocked: false,
  created_at: '2026-12-02T10:00:00.000Z',
};

describe('toKeyRow', () => {
  it('reads a /key/list record, admin from metadata.admin', () => {
    expect(toKeyRow(listed)).toEqual({
      id: TOKEN,
      alias: 'team-b',
      name: 'sk-...wxyz',
      models: ['gpt-image-1'],
      spendUsd: 0.25,
      maxBudget: 10,
      budgetDuration: '30d',
      budgetResetAt: '2027-01-01T00:00:00.000Z',
      rpmLimit: 60,
      userId: 'bob',
      expires: null,
      blocked: false,
      source: 'api',
      admin: true,
      createdAt: '2026-12-02T10:00:00.000Z',
    });
  });

  it('reads /key/info ({ key, info }) and /key/generate (the key beside its token) by the token', () => {
    expect(toKeyRow({ key: TOKEN, info: listed }).id).toBe(TOKEN);
    expect(toKeyRow({ key: 'sk-secret-never-an-id', ...listed }).id).toBe(TOKEN);
  });

  it('means every group by no models or "*", and names a key without alias by its hash', () => {
    const row = toKeyRow({ ...listed, key_alias: null, models: ['*'], metadata: {} });
    expect(row.models).toBeNull();
    expect(row.alias).toBe('key-ab12cd34ef56');
    expect(row.admin).toBe(false);
    expect(toKeyRow({ ...listed, models: [] }).models).toBeNull();
  });

  it('shows the stored spend with a spend log, else the larger of it and what this proxy counted', () => {
    expect(toKeyRow(listed).spendUsd).toBe(0.25);
    expect(toKeyRow(listed, { ab12cd34ef56: 0.75 }).spendUsd).toBe(0.75);
    expect(toKeyRow(listed, { ab12cd34ef56: 0.1 }).spendUsd).toBe(0.25);
    expect(toKeyRow(listed, { ffffffffffff: 9 }).spendUsd).toBe(0.25);
  });
});

describe('configKeyRow', () => {
  it('is read-only and never expires', () => {
    const row = configKeyRow({
      alias: 'ops',
      keyHash: '0123456789ab',
      models: null,
      maxBudget: null,
      spendUsd: 0,
      rpmLimit: null,
      userId: null,
      admin: true,
    });
    expect(row).toMatchObject({
      source: 'config',
      id: '0123456789ab',
      expires: null,
      blocked: false,
      admin: true,
    });
  });
});

describe('fromNow', () => {
  const now = Date.parse('2026-12-02T12:00:00Z');
  it('picks a unit a person reads at a glance', () => {
    expect(fromNow(now + 27_000, now)).toBe('in 27 s');
    expect(fromNow(now + 30 * 60_000, now)).toBe('in 30 min');
    expect(fromNow(now + 5 * 3600_000, now)).toBe('in 5 h');
    expect(fromNow(now + 30 * 86_400_000, now)).toBe('in 30 days');
    expect(fromNow(now - 5000, now)).toBe('in 0 s');
  });
});
