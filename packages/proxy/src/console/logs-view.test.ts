import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { SpendLogRow, Store } from '@retouch/store';
import { pino } from 'pino';
import { entryOfRow, logsView, mergeLogs, spendQueryOf } from './logs-view.js';
import { ConsoleRecorder, type EditRecord } from './recorder.js';

const T0 = Date.parse('2026-12-02T10:00:00Z');

function row(requestId: string, secondsAfter: number, fields: Partial<SpendLogRow> = {}): SpendLogRow {
  const endedAt = new Date(T0 + secondsAfter * 1000);
  return {
    id: randomUUID(),
    requestId,
    startedAt: new Date(endedAt.getTime() - 800),
    endedAt,
    apiKey: 'a'.repeat(64),
    keyAlias: 'team-a',
    endUser: 'alice',
    teamId: null,
    modelGroup: 'gpt-image-1',
    deploymentId: 'openai-a',
    provider: 'openai',
    model: 'gpt-image-1',
    spend: 0.04,
    promptTokens: null,
    completionTokens: null,
    totalTokens: null,
    usage: null,
    latencyMs: 800,
    attempts: 1,
    status: 'success',
    errorCode: null,
    warnings: [],
    prompt: null,
    metadata: {},
    ...fields,
  };
}

function seen(requestId: string, secondsAfter: number, fields: Partial<EditRecord> = {}): EditRecord {
  return {
    requestId,
    at: T0 + secondsAfter * 1000,
    status: 200,
    ok: true,
    stream: false,
    modelGroup: 'gpt-image-1',
    deployment: 'openai-a',
    provider: 'openai',
    attempts: 1,
    costUsd: 0.04,
    latencyMs: 810,
    user: 'alice',
    keyAlias: 'team-a',
    keyHash: 'aaaaaaaaaaaa',
    errorCode: null,
    errorMessage: null,
    ...fields,
  };
}

const recorderWith = (...records: EditRecord[]) => {
  const recorder = new ConsoleRecorder({ now: () => T0 + 3600_000 });
  for (const r of records) recorder.record(r);
  return recorder;
};

describe('the Logs page from the spend log', () => {
  it('maps the page filter onto the spend log query (a full hash exactly, else a prefix)', () => {
    expect(spendQueryOf({ status: 'error', model: 'm', key: 'Team', user: 'ali', requestId: 'r' })).toEqual({
      status: 'failure',
      model: 'm',
      requestId: 'r',
      keyPrefix: 'team',
      endUserContains: 'ali',
    });
    expect(spendQueryOf({ key: 'A'.repeat(64) })).toMatchObject({ apiKey: 'a'.repeat(64) });
    expect(spendQueryOf({ status: 'ok' }).status).toBe('success');
  });

  it("completes a failed row with the status and message this process answered; another process's failure has no status", () => {
    const failed = row('r1', 1, {
      status: 'failure',
      spend: null,
      errorCode: 'InternalServerError',
      metadata: { stream: true },
    });
    const here = recorderWith(
      seen('r1', 1, {
        status: 502,
        ok: false,
        errorCode: 'upstream_error',
        errorMessage: 'openai returned 500',
      }),
    ).logs()[0];
    expect(entryOfRow(failed, here)).toMatchObject({
      status: 502,
      ok: false,
      stream: true,
      errorCode: 'upstream_error',
      errorMessage: 'openai returned 500',
      costUsd: null,
      latencyMs: 800,
    });
    expect(entryOfRow(failed, undefined)).toMatchObject({
      status: null,
      ok: false,
      errorCode: 'InternalServerError',
      errorMessage: null,
    });
    expect(entryOfRow(row('r2', 2), undefined)).toMatchObject({
      status: 200,
      ok: true,
      keyAlias: 'team-a',
      user: 'alice',
    });
  });

  it('adds the requests refused before any call (no row), within the rows’ time span, newest first', () => {
    const memory = recorderWith(
      seen('old-400', 0, { status: 400, ok: false, attempts: 0, deployment: null }),
      seen('r1', 1),
      seen('new-401', 5, { status: 401, ok: false, attempts: null }),
    ).logs();
    const rows = [row('r3', 4), row('r2', 3), row('r1', 1)];
    expect(mergeLogs(rows, memory, 10).map((e) => e.requestId)).toEqual([
      'new-401',
      'r3',
      'r2',
      'r1',
      'old-400',
    ]);
    // A full page of rows: what is older than its oldest row may have rows beyond the page.
    expect(mergeLogs(rows.slice(0, 2), memory, 2).map((e) => e.requestId)).toEqual(['new-401', 'r3']);
    expect(mergeLogs(rows, memory, 3).map((e) => e.requestId)).toEqual(['new-401', 'r3', 'r2']);
  });

  it("falls back to this process's memory, saying why, while the spend log cannot be read", async () => {
    const broken = {
      flushSpend: async () => {},
      spendLogs: {
        find: async () => {
          throw new Error('connection refused');
        },
      },
    } as unknown as Store;
    const warnings: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    const answer = await logsView({ store: broken, log }, recorderWith(seen('r1', 1)), { limit: 10 });
    expect(answer.source).toBe('memory');
    expect(answer.storeError).toContain('connection refused');
    expect(answer.entries.map((e) => e.requestId)).toEqual(['r1']);
    expect(warnings.join('')).toContain('cannot read the spend log');
    const none = await logsView({ store: undefined, log }, recorderWith(seen('r1', 1)), { limit: 10 });
    expect(none).toMatchObject({ source: 'memory', storeError: null, capacity: 1000 });
  });
});
