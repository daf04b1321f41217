/**
 * The Overview's spend today and this month, per model group and deployment. With a store, its
 * spend log is the source (every proxy on the database, across restarts); without one, or while
 * it cannot be read, this process's memory (since it started), with the reason on the page.
 * @module
 */
import type { ConsoleOverview, ConsoleSpend } from '@retouch/proxy-console';
import type { SpendReportLine, Store } from '@retouch/store';
import type { ProxyContext } from '../context.js';
import type { ConsoleRecorder } from './recorder.js';

/** The spend part of the Overview's answer. */
export type OverviewSpend = Pick<ConsoleOverview, 'source' | 'storeError' | 'spend'>;

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Adds report lines into a period's spend (lines without a group count in no breakdown). */
function addLines(
  into: ConsoleSpend,
  field: 'byModelGroup' | 'byDeployment',
  lines: readonly SpendReportLine[],
): void {
  for (const line of lines) {
    if (line.group === null || line.spend === 0) continue;
    into[field][line.group] = (into[field][line.group] ?? 0) + line.spend;
  }
}

function periodOf(
  totals: readonly SpendReportLine[],
  groups: readonly SpendReportLine[],
  deployments: readonly SpendReportLine[],
): ConsoleSpend {
  const spend: ConsoleSpend = {
    totalUsd: totals.reduce((sum, l) => sum + l.spend, 0),
    byModelGroup: {},
    byDeployment: {},
    unpricedCalls: totals.reduce((sum, l) => sum + l.unpriced, 0),
  };
  addLines(spend, 'byModelGroup', groups);
  addLines(spend, 'byDeployment', deployments);
  return spend;
}

/**
 * Spend today and this calendar month (UTC) from the store's spend log.
 *
 * @example
 * ```ts
 * const { today, month } = await storeSpend(store, Date.now());
 * ```
 */
export async function storeSpend(store: Store, now: number): Promise<OverviewSpend['spend']> {
  // Rows still queued are written first, so that the sums include every finished call.
  await store.flushSpend().catch(() => {});
  const date = new Date(now);
  const query = {
    start: new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1)),
    end: new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1)),
  };
  const [totals, groups, deployments] = await Promise.all([
    store.spendLogs.report('day', query),
    store.spendLogs.report('model', query),
    store.spendLogs.report('deployment', query),
  ]);
  const today = dayOf(now);
  const onToday = (lines: readonly SpendReportLine[]) => lines.filter((l) => l.day === today);
  return {
    today: periodOf(onToday(totals), onToday(groups), onToday(deployments)),
    month: periodOf(totals, groups, deployments),
  };
}

/**
 * The Overview's spend: from the store when the proxy has one and it answers, else from memory.
 *
 * @example
 * ```ts
 * const { source, storeError, spend } = await overviewSpend(ctx, recorder, Date.now());
 * ```
 */
export async function overviewSpend(
  ctx: Pick<ProxyContext, 'store' | 'log'>,
  recorder: ConsoleRecorder,
  now: number,
): Promise<OverviewSpend> {
  if (!ctx.store) return { source: 'memory', storeError: null, spend: recorder.spend() };
  try {
    return { source: 'store', storeError: null, spend: await storeSpend(ctx.store, now) };
  } catch (error) {
    // The page keeps working on what this process saw while the database cannot be read.
    const message = (error as Error).message;
    ctx.log.warn({ err: { message } }, 'console: cannot read spend from the spend log');
    return {
      source: 'memory',
      storeError: `the spend log cannot be read (${message}); showing the spend this proxy counted since it started`,
      spend: recorder.spend(),
    };
  }
}
