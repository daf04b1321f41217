/**
 * One spend log row per edit, made from the router's `onSettled` report: who called (key hash,
 * alias, team, end-user), what served (group, deployment, provider, model), cost, usage, latency,
 * attempts, status and warnings. Never image bytes; the prompt only with
 * `store_prompts_in_spend_logs`. The row is queued (`store.logSpend`), never awaited.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { CallOutcomeReport } from '@retouch/router';
import type { SpendLogRow, Store } from '@retouch/store';
import type { Caller } from './auth.js';

const count = (usage: Record<string, unknown> | undefined, ...names: string[]): number | null => {
  for (const name of names) {
    const value = usage?.[name];
    if (typeof value === 'number' && Number.isFinite(value)) return Math.round(value);
  }
  return null;
};

/**
 * The `onSettled` hook of one call that logs its row in the store.
 *
 * @example
 * ```ts
 * await router.imageEdit(params, { requestId, onSettled: spendLogger(store, { requestId, caller, prompt: null }) });
 * ```
 */
export function spendLogger(
  store: Store,
  call: { requestId: string; caller: Caller; prompt: string | null; startedAt?: Date },
): (outcome: CallOutcomeReport) => void {
  const startedAt = call.startedAt ?? new Date();
  return ({ payload, usage }) => {
    const { caller } = call;
    const row: SpendLogRow = {
      id: randomUUID(),
      requestId: call.requestId,
      startedAt,
      endedAt: new Date(),
      apiKey: caller.tokenHash ?? null,
      keyAlias: caller.source === 'open' ? null : caller.alias,
      endUser: payload.user ?? null,
      teamId: caller.teamId ?? null,
      modelGroup: payload.modelGroup,
      deploymentId: payload.deploymentId ?? null,
      provider: payload.provider ?? null,
      model: payload.model ?? null,
      spend: payload.costUsd ?? null,
      promptTokens: count(usage, 'input_tokens', 'prompt_tokens'),
      completionTokens: count(usage, 'output_tokens', 'completion_tokens'),
      totalTokens: count(usage, 'total_tokens'),
      usage: usage ?? null,
      latencyMs: payload.latencyMs ?? null,
      attempts: payload.attempts,
      status: payload.event === 'success' ? 'success' : 'failure',
      errorCode: payload.event === 'success' ? null : (payload.errorClass ?? 'error'),
      warnings: payload.warnings,
      prompt: call.prompt,
      metadata: payload.stream ? { stream: true } : {},
    };
    store.logSpend(row);
  };
}
