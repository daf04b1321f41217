/**
 * One BFL task, end to end: submit → poll the **returned `polling_url`** with backoff until `Ready`
 * (within the call's deadline, stopping at once on abort) → the signed `result.sample` URL, which is
 * downloaded only from BFL's result hosts. Credentials go to BFL API hosts only.
 * @module
 */
import {
  BadGatewayError,
  ContentPolicyViolationError,
  InternalServerError,
  NotFoundError,
  type ProviderCallOptions,
  type ProviderHttp,
  parseUpstream,
  pollUntilDone,
  RetouchError,
  safeFetchBytes,
} from '@retouch/core';
import { z } from 'zod';

const PROVIDER = 'black_forest_labs';

/** Where BFL serves `result.sample` from: its own delivery hosts and its Azure blob account. */
export const BFL_RESULT_HOSTS: readonly string[] = [
  'bfl.ai',
  '*.bfl.ai',
  'bfldeliveryprod.blob.core.windows.net',
];

/** How long `result.sample` stays valid when the URL does not say (BFL: 10 minutes). */
const RESULT_TTL_MS = 10 * 60_000;

const submitSchema = z
  .object({
    id: z.string(),
    polling_url: z.string().nullish(),
    cost: z.number().nullish(),
    input_mp: z.number().nullish(),
    output_mp: z.number().nullish(),
  })
  .loose();

const pollSchema = z
  .object({
    id: z.string().nullish(),
    status: z.string(),
    result: z.object({ sample: z.string().nullish() }).loose().nullish(),
    details: z.record(z.string(), z.unknown()).nullish(),
  })
  .loose();

/** What the task machinery needs from the provider. */
export interface BFLTaskContext {
  /** Sends `x-key`: used for the API only (submit, polls on trusted hosts). */
  http: ProviderHttp;
  /** No credentials: downloads from the configured base URL's own host (proxies, simulators). */
  downloadHttp: ProviderHttp;
  /** First wait between polls, in ms. */
  pollIntervalMs: number;
  /** Longest wait between polls, in ms. */
  maxPollIntervalMs: number;
}

/** A finished task. */
export interface BFLTaskResult {
  id: string;
  sample: string;
  /** The submit response's `cost`, in credits (1 credit = $0.01), when BFL reported one. */
  costCredits?: number;
}

function sameOrigin(url: URL, base: URL): boolean {
  return url.protocol === base.protocol && url.host === base.host;
}

function parseUrl(value: string, what: string, model: string): URL {
  try {
    return new URL(value);
  } catch {
    throw new BadGatewayError({
      message: `${PROVIDER} returned an invalid ${what}: ${value}`,
      provider: PROVIDER,
      model,
    });
  }
}

/**
 * Whether `x-key` may be sent to `url`: the configured API origin, or an https host under `bfl.ai`
 * (the global host hands out regional polling URLs such as `api.eu.bfl.ai`).
 */
function isTrustedApiUrl(url: URL, base: URL): boolean {
  if (sameOrigin(url, base)) return true;
  return url.protocol === 'https:' && (url.hostname === 'bfl.ai' || url.hostname.endsWith('.bfl.ai'));
}

function isResultHost(url: URL): boolean {
  return (
    url.protocol === 'https:' &&
    BFL_RESULT_HOSTS.some((host) =>
      host.startsWith('*.') ? url.hostname.endsWith(host.slice(1)) : url.hostname === host,
    )
  );
}

function describeDetails(details: Record<string, unknown> | null | undefined): string {
  if (!details) return '';
  const reasons = details['Moderation Reasons'];
  if (Array.isArray(reasons) && reasons.length > 0) return ` (${reasons.join(', ')})`;
  return ` (${JSON.stringify(details).slice(0, 300)})`;
}

type PollBody = z.infer<typeof pollSchema>;

function terminalError(body: PollBody, task: { id: string; model: string }): RetouchError {
  const ref = {
    provider: PROVIDER,
    model: task.model,
    upstreamBody: JSON.stringify(body),
    upstreamRequestId: task.id,
  };
  const said = `${body.status}${describeDetails(body.details)}`;
  if (body.status === 'Request Moderated' || body.status === 'Content Moderated') {
    const what = body.status === 'Request Moderated' ? 'the prompt or input images' : 'the generated image';
    return new ContentPolicyViolationError({
      message: `${PROVIDER}/${task.model}: BFL's moderation refused ${what}: ${said}. Change the prompt or images, or raise safety_tolerance.`,
      ...ref,
    });
  }
  if (body.status === 'Task not found') {
    // The task vanished after a successful submit: resubmitting may well work.
    return new NotFoundError({
      message: `${PROVIDER}/${task.model}: task ${task.id} was not found when polled (Task not found)`,
      code: 'task_not_found',
      isRetryable: true,
      ...ref,
    });
  }
  return new InternalServerError({
    message: `${PROVIDER}/${task.model}: task ${task.id} failed: ${said}`,
    code: 'generation_failed',
    ...ref,
  });
}

/**
 * Submits one task and polls it until `Ready`. `TimeoutError` at the deadline (no poll after it),
 * `APIUserAbortError` on abort, `ContentPolicyViolationError` on moderation.
 *
 * @example
 * ```ts
 * const { sample, costCredits } = await runBFLTask(context, { model: 'flux-kontext-pro', endpoint: 'flux-kontext-pro', body }, options);
 * ```
 */
export async function runBFLTask(
  context: BFLTaskContext,
  task: { model: string; endpoint: string; body: Record<string, unknown>; headers?: Record<string, string> },
  options: ProviderCallOptions,
): Promise<BFLTaskResult> {
  const { http } = context;
  const call = { signal: options.signal, model: task.model, headers: task.headers };
  const submitted = await http.postJson(`/v1/${task.endpoint}`, task.body, call);
  const accepted = parseUpstream(submitSchema, submitted.body, { provider: PROVIDER, model: task.model });
  const base = new URL(http.url('/'));
  // Always the returned polling_url: the global host runs the task on a regional backend that the
  // URL names. A webhook submit returns none; its task is read by id on the API host.
  const pollingUrl = parseUrl(
    accepted.polling_url ?? http.url(`/v1/get_result?id=${encodeURIComponent(accepted.id)}`),
    'polling_url',
    task.model,
  );
  if (!isTrustedApiUrl(pollingUrl, base)) {
    throw new BadGatewayError({
      message: `${PROVIDER}: refusing to poll ${pollingUrl.host}: not a BFL API host, and polling would send the API key there`,
      code: 'untrusted_polling_url',
      provider: PROVIDER,
      model: task.model,
    });
  }
  const sample = await pollUntilDone<string>({
    provider: PROVIDER,
    model: task.model,
    signal: options.signal,
    deadline: options.deadline,
    timeoutMs: options.deadline === undefined ? undefined : options.timeoutMs,
    initialDelayMs: context.pollIntervalMs,
    maxDelayMs: context.maxPollIntervalMs,
    onProgress: options.onProgress,
    poll: async (signal) => {
      const answer = await http.getJson(pollingUrl.href, { ...call, signal });
      const body = parseUpstream(pollSchema, answer.body, { provider: PROVIDER, model: task.model });
      if (body.status === 'Ready') {
        const url = body.result?.sample;
        if (!url) {
          throw new BadGatewayError({
            message: `${PROVIDER}: task ${accepted.id} is Ready but has no result.sample`,
            upstreamBody: JSON.stringify(body),
            provider: PROVIDER,
            model: task.model,
          });
        }
        return { done: true, value: url };
      }
      if (
        ['Request Moderated', 'Content Moderated', 'Task not found', 'Error', 'Failed'].includes(body.status)
      ) {
        throw terminalError(body, { id: accepted.id, model: task.model });
      }
      // `Pending`, and the progress states newer models report (`Queued`, `Generating`, …).
      return { done: false, status: body.status };
    },
  });
  return { id: accepted.id, sample, costCredits: accepted.cost ?? undefined };
}

/**
 * Downloads a result URL, from BFL's result hosts (`*.bfl.ai`, its delivery blob account) or the
 * configured base URL's own host; any other host is refused before a byte is fetched. No
 * credentials are sent (the URL is signed).
 *
 * @example
 * ```ts
 * const bytes = await downloadBFLResult(context, sample, signal, 'flux-kontext-pro');
 * ```
 */
export async function downloadBFLResult(
  context: BFLTaskContext,
  url: string,
  signal: AbortSignal,
  model?: string,
): Promise<Uint8Array> {
  const target = parseUrl(url, 'result URL', model ?? '');
  const base = new URL(context.downloadHttp.url('/'));
  const fromBase = sameOrigin(target, base);
  if (!fromBase && !isResultHost(target)) {
    throw new BadGatewayError({
      message: `${PROVIDER}: refusing to download a result from ${target.host}: BFL serves results from ${BFL_RESULT_HOSTS.join(', ')} over https`,
      code: 'untrusted_result_host',
      provider: PROVIDER,
      model,
    });
  }
  try {
    if (fromBase) return (await context.downloadHttp.getBytes(target.href, { signal, model })).body;
    return (await safeFetchBytes(target.href, { signal, allowedHosts: BFL_RESULT_HOSTS, param: 'result' }))
      .bytes;
  } catch (error) {
    if (signal.aborted) throw error;
    const status = RetouchError.isInstance(error) ? error.status : undefined;
    throw new BadGatewayError({
      message: `${PROVIDER}: could not download the result${status === 403 ? ' (its signed URL has expired or was refused)' : ''}: ${(error as Error).message}`,
      cause: error,
      provider: PROVIDER,
      model,
    });
  }
}

/**
 * The warning for a result returned as BFL's own URL: when it expires (the signed `se` parameter,
 * else about 10 minutes from now).
 *
 * @example
 * ```ts
 * expiryWarning('https://delivery-eu1.bfl.ai/results/x.png?se=2026-11-25T10%3A10%3A00Z&sig=…');
 * ```
 */
export function expiryWarning(url: string, now = Date.now()): string {
  const signed = Date.parse(new URL(url).searchParams.get('se') ?? '');
  const expiry = Number.isNaN(signed)
    ? `about ${new Date(now + RESULT_TTL_MS).toISOString()}`
    : new Date(signed).toISOString();
  return `result url: BFL's signed URL expires at ${expiry} (about 10 minutes after generation); download it before then, or ask for response_format "b64_json"`;
}
