/**
 * `streamImageEdit()`: an edit as OpenAI's event stream, on every provider. Models whose upstream
 * streams (OpenAI's gpt-image models) send their partial images as they come; every other model
 * sends its final image(s) as `image_edit.completed` events, one per image, when the edit is done.
 * @module
 */
import { assertNotRetired } from './catalogue/lifecycle.js';
import { requireModel } from './catalogue/resolve.js';
import { BadGatewayError, BadRequestError } from './errors.js';
import { DEFAULT_TIMEOUT_MS, startDeadline } from './deadline.js';
import { abortError } from './http.js';
import { holdStreamErrors } from './image/prepare.js';
import {
  attemptFailure,
  callCost,
  costUnknownWarning,
  type ImageEditOptions,
  modelWarnings,
  prepareEditRequest,
  type RunImageEditOptions,
} from './image-edit.js';
import { type ImageData, type ImagesResponse, imageBase64, withMeta } from './normalize.js';
import type { ImageEditParams } from './params.js';
import type {
  ImageEcho,
  ImageEditProvider,
  ImageUsage,
  ProviderImageEditRequest,
  ProviderImageEditResult,
  ProviderImageEditStream,
  ProviderStreamEvent,
} from './provider.js';
import { parseModelId, resolveProvider } from './registry.js';
import {
  createImageEditStream,
  type ImageEditCompletedEvent,
  type ImageEditStream,
  type ImageEditStreamEvent,
  type ImagesUsage,
} from './stream-events.js';
import { bindRequest, type PreparedEditRequest, requireModelId } from './validate.js';

/**
 * A completed event's usage in the shape of OpenAI's `ImagesUsage`, whose `input_tokens_details`
 * (`text_tokens` and `image_tokens`) is required: the upstream's figures as they came, the split
 * filled in where the upstream sent none (input tokens it does not split count as text, as
 * `callCost` prices them), zeros where it reported no usage. The cost never reads this copy.
 *
 * @example
 * ```ts
 * eventUsage({ input_tokens: 10, output_tokens: 20, total_tokens: 30 }).input_tokens_details;
 * // { text_tokens: 10, image_tokens: 0 }
 * ```
 */
export function eventUsage(usage: ImageUsage | undefined): ImagesUsage {
  if (!usage) {
    return {
      input_tokens: 0,
      output_tokens: 0,
      total_tokens: 0,
      input_tokens_details: { text_tokens: 0, image_tokens: 0 },
    };
  }
  const details = usage.input_tokens_details;
  if (details?.text_tokens !== undefined && details.image_tokens !== undefined) return usage as ImagesUsage;
  const rest = (known: number | undefined) =>
    known === undefined ? undefined : Math.max(0, usage.input_tokens - known);
  const image_tokens = details?.image_tokens ?? rest(details?.text_tokens) ?? 0;
  const text_tokens = details?.text_tokens ?? rest(image_tokens) ?? 0;
  return { ...usage, input_tokens_details: { ...details, text_tokens, image_tokens } };
}

/**
 * A provider result as a stream: its images as completed events, one per image, the call's usage
 * on the last (so summing the events' usage counts it once).
 *
 * @example
 * ```ts
 * const stream = resultAsStream(await provider.imageEdit(request, options));
 * ```
 */
export function resultAsStream(result: ProviderImageEditResult): ProviderImageEditStream {
  const images = result.images.filter((image) => image.b64 !== undefined || image.bytes || image.url);
  async function* events(): AsyncGenerator<ProviderStreamEvent, void, undefined> {
    for (const [index, image] of images.entries()) {
      const last = index === images.length - 1;
      yield { type: 'completed', image, usage: last ? result.usage : undefined, echo: result.echo };
    }
  }
  return {
    events: events(),
    warnings: result.warnings,
    upstreamRequestId: result.upstreamRequestId,
    download: result.download,
    summary: () => ({ usage: result.usage, providerCostUsd: result.providerCostUsd, echo: result.echo }),
  };
}

const FORMAT_OF: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/webp': 'webp',
};

/** The echo fields every event carries: the upstream's, else the request's, else `auto` (png). */
function echoFields(echo: ImageEcho | undefined, request: ProviderImageEditRequest, mediaType?: string) {
  return {
    size: echo?.size ?? request.size ?? 'auto',
    quality: echo?.quality ?? request.quality ?? 'auto',
    background: echo?.background ?? request.background ?? 'auto',
    output_format:
      echo?.output_format ?? (mediaType && FORMAT_OF[mediaType]) ?? request.output_format ?? 'png',
  };
}

/**
 * One attempt of a prepared request on one provider model, streamed: validate (as a streamed
 * call), call, and resolve once the first event arrived. Every failure before it rejects (a
 * `RetouchError`, so the router can retry or fall back); later ones end the iteration.
 *
 * @example
 * ```ts
 * const stream = await runImageEditStream(openai, 'gpt-image-2', prepared);
 * for await (const event of stream) console.log(event.type);
 * getMeta(await stream.response()).costUsd;
 * ```
 */
export async function runImageEditStream(
  provider: ImageEditProvider,
  model: string,
  prepared: PreparedEditRequest,
  options: RunImageEditOptions = {},
): Promise<ImageEditStream> {
  const ref = { provider: provider.id, model };
  const resolved = options.resolved ?? requireModel(provider, model);
  assertNotRetired({ ...resolved.row, provider: provider.id, model }, options.allowRetired);
  const { request, warnings: bindWarnings } = bindRequest(prepared, resolved.row.capabilities, ref, {
    streaming: true,
  });
  if (resolved.servedLike !== undefined) request.servedLike = resolved.servedLike;
  const warnings = [...modelWarnings(resolved), ...bindWarnings];
  // The caller's break or abort() ends the call through this controller.
  const stop = new AbortController();
  const timeoutMs = options.timeoutMs ?? prepared.fields.timeout ?? DEFAULT_TIMEOUT_MS;
  const call = startDeadline({ timeoutMs, signals: [prepared.fields.signal, options.signal, stop.signal] });
  const { signal } = call;
  if (signal.aborted) {
    call.dispose();
    throw abortError(signal, ref);
  }
  const started = performance.now();
  const callOptions = { signal, deadline: call.deadline, timeoutMs, onProgress: options.onProgress };
  const completed: { data: ImageData; event: ImageEditCompletedEvent }[] = [];
  let upstream: ProviderImageEditStream;
  let iterator: AsyncIterator<ProviderStreamEvent>;

  const convert = async (event: ProviderStreamEvent): Promise<ImageEditStreamEvent> => {
    const created_at = Math.floor(Date.now() / 1000);
    if (event.type === 'partial_image') {
      return {
        type: 'image_edit.partial_image',
        b64_json: event.b64,
        created_at,
        ...echoFields(event.echo, request),
        partial_image_index: event.partialImageIndex,
      };
    }
    const { b64, mediaType } = await imageBase64(event.image, upstream, signal);
    const out: ImageEditCompletedEvent = {
      type: 'image_edit.completed',
      b64_json: b64,
      created_at,
      ...echoFields(event.echo, request, mediaType),
      usage: eventUsage(event.usage),
    };
    const data: ImageData = { b64_json: b64 };
    if (event.image.revisedPrompt) data.revised_prompt = event.image.revisedPrompt;
    completed.push({ data, event: out });
    return out;
  };
  // A pending read ends with the abort even if the provider's stream does not notice it.
  const aborted = new Promise<never>((_resolve, reject) => {
    const onAbort = () => reject(abortError(signal, { ...ref, reachedUpstream: true }));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  const next = async (): Promise<ImageEditStreamEvent | undefined> => {
    try {
      const step = await Promise.race([iterator.next(), aborted]);
      return step.done ? undefined : await convert(step.value);
    } catch (error) {
      throw attemptFailure(error, provider, ref, signal);
    }
  };
  const release = (reason?: unknown) => {
    if (reason !== undefined && !signal.aborted) stop.abort(reason);
    // The provider's stream (its socket and reader) is let go of; a pending read ends with the abort.
    if (reason !== undefined) void iterator?.return?.()?.catch(() => undefined);
    call.dispose();
  };

  let first: ImageEditStreamEvent | undefined;
  try {
    upstream =
      request.stream === true && provider.streamImageEdit
        ? await provider.streamImageEdit(request, callOptions)
        : resultAsStream(await provider.imageEdit(request, callOptions));
    iterator = upstream.events[Symbol.asyncIterator]();
    first = await next();
  } catch (error) {
    const failure = attemptFailure(error, provider, ref, signal);
    release(failure);
    throw failure;
  }
  if (first === undefined) {
    release();
    throw noImage(ref);
  }
  const timeToFirstEventMs = Math.round(performance.now() - started);

  const finish = async () => {
    release();
    const last = completed.at(-1);
    if (!last) throw noImage(ref);
    const summary = upstream.summary();
    const response: ImagesResponse = {
      created: Math.floor(Date.now() / 1000),
      data: completed.map((c) => c.data),
    };
    const { size, quality, background, output_format } = last.event;
    Object.assign(response, { background, output_format, quality, size });
    if (summary.usage) response.usage = summary.usage;
    const costUsd = callCost(request, summary, completed.length, {
      override: options.price,
      catalogue: resolved.row.price,
    });
    const allWarnings = [...warnings, ...upstream.warnings];
    if (costUsd === null) allWarnings.push(costUnknownWarning(provider.id, model));
    return withMeta(response, {
      provider: provider.id,
      model,
      costUsd,
      latencyMs: Math.round(performance.now() - started),
      timeToFirstEventMs,
      attempts: 1,
      warnings: allWarnings,
      user: prepared.fields.user,
      upstreamRequestId: upstream.upstreamRequestId,
    });
  };

  return createImageEditStream({
    meta: {
      provider: provider.id,
      model,
      attempts: 1,
      warnings: [...warnings, ...upstream.warnings],
      user: prepared.fields.user,
      upstreamRequestId: upstream.upstreamRequestId,
      timeToFirstEventMs,
    },
    first,
    next,
    finish,
    cancel: (reason) => release(reason),
  });
}

function noImage(ref: { provider: string; model: string }): BadGatewayError {
  // The upstream answered success: it may have done, and billed, the work.
  return new BadGatewayError({
    message: `${ref.provider}/${ref.model} ended its stream without a final image; the request was served, so it is not repeated automatically`,
    reachedUpstream: true,
    ...ref,
  });
}

/**
 * `stream` set to anything but `true`, or `response_format: 'url'` (stream events carry base64),
 * asked of a streamed call: refused before anything is read.
 *
 * @example
 * ```ts
 * checkStreamParams({ response_format: 'url' }); // BadRequestError: response_format: …
 * ```
 */
export function checkStreamParams(params: Pick<ImageEditParams, 'stream' | 'response_format'>): void {
  if (params.stream === false) {
    throw new BadRequestError({
      message:
        'stream: streamImageEdit() always streams; leave stream out (or call imageEdit() for one response)',
      param: 'stream',
      code: 'invalid_value',
    });
  }
  if (params.response_format === 'url') {
    throw new BadRequestError({
      message:
        'response_format: stream events carry base64 images (b64_json) only; remove response_format or set it to b64_json',
      param: 'response_format',
      code: 'invalid_value',
    });
  }
}

/**
 * Edits images like {@link imageEdit}, as OpenAI's event stream: `image_edit.partial_image`
 * events while the edit runs (models whose upstream makes them; ask with `partial_images` 0–3),
 * then one `image_edit.completed` event per image. It resolves once the first event arrived, so
 * every error before it is thrown here as `imageEdit` throws it.
 *
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises';
 * import { getMeta, streamImageEdit } from '@retouch/core';
 *
 * const stream = await streamImageEdit({ model: 'gpt-image-2.6-sunburst', image: png, prompt: 'Add a hat', partial_images: 2 });
 * for await (const event of stream) {
 *   if (event.type === 'image_edit.partial_image') console.log('partial', event.partial_image_index);
 *   else await writeFile('hat.png', Buffer.from(event.b64_json, 'base64'));
 * }
 * console.log(getMeta(await stream.response()).costUsd);
 * ```
 */
export async function streamImageEdit(
  params: ImageEditParams,
  options: ImageEditOptions = {},
): Promise<ImageEditStream> {
  holdStreamErrors(params);
  requireModelId(params);
  checkStreamParams(params);
  const id = options.provider
    ? {
        prefix: options.provider.id,
        model: params.model.startsWith(`${options.provider.id}/`)
          ? params.model.slice(options.provider.id.length + 1)
          : params.model,
      }
    : parseModelId(params.model);
  const provider = options.provider ?? (await resolveProvider(id.prefix, options.providerConfig));
  // Unknown and retired models fail before any image is read.
  const resolved = requireModel(provider, id.model, {
    overrides: options.catalogue,
    modelInfo: options.modelInfo,
  });
  const allowRetired = options.allowRetired ?? options.modelInfo?.allow_retired === true;
  assertNotRetired({ ...resolved.row, provider: provider.id, model: id.model }, allowRetired);
  const prepared = await prepareEditRequest({ ...params, stream: true }, options);
  return runImageEditStream(provider, id.model, prepared, {
    price: options.price,
    resolved,
    allowRetired,
    onProgress: options.onProgress,
  });
}
