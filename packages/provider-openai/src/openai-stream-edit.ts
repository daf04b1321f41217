/**
 * The streamed OpenAI mapping: the same multipart `POST {baseURL}/images/edits` with `stream=true`
 * (and `partial_images`), read as server-sent events one at a time: `image_edit.partial_image`
 * and `image_edit.completed` become provider stream events, an `error` event a `RetouchError`.
 * @module
 */
import {
  BadGatewayError,
  type ImageEcho,
  type ImageUsage,
  type ProviderCallOptions,
  type ProviderHttp,
  type ProviderImageEditRequest,
  type ProviderImageEditStream,
  type ProviderStreamEvent,
  parseProviderExtras,
  type RetouchError,
  resultAsStream,
  type ServerSentEvent,
} from '@retouch/core';
import { z } from 'zod';
import {
  buildForm,
  checkModelRules,
  classifyOpenAIError,
  NO_EXTRAS,
  resultDownloader,
  resultOf,
  usageSchema,
} from './openai-image-edit.js';

const PROVIDER = 'openai';

const echoShape = {
  b64_json: z.string(),
  size: z.string().nullish(),
  quality: z.string().nullish(),
  background: z.string().nullish(),
  output_format: z.string().nullish(),
};
const partialSchema = z.object({ ...echoShape, partial_image_index: z.number().int().nonnegative() }).loose();
const completedSchema = z.object({ ...echoShape, usage: usageSchema.nullish() }).loose();
const errorSchema = z
  .object({
    error: z
      .object({
        message: z.string().nullish(),
        code: z.string().nullish(),
        type: z.string().nullish(),
        param: z.string().nullish(),
      })
      .loose()
      .optional(),
    message: z.string().nullish(),
    code: z.string().nullish(),
  })
  .loose();

function echoOf(body: z.infer<typeof partialSchema> | z.infer<typeof completedSchema>): ImageEcho {
  return {
    size: body.size ?? undefined,
    quality: body.quality ?? undefined,
    background: body.background ?? undefined,
    output_format: body.output_format ?? undefined,
  };
}

/**
 * The call's usage from its completed events: one event's when every event repeats the same
 * figures (a total per call), else their sum (a figure per image).
 *
 * @example
 * ```ts
 * combineUsage([u, u]); // u
 * ```
 */
export function combineUsage(usages: readonly ImageUsage[]): ImageUsage | undefined {
  const [first] = usages;
  if (!first) return undefined;
  if (usages.every((u) => JSON.stringify(u) === JSON.stringify(first))) return first;
  const sum = (pick: (u: ImageUsage) => number | undefined) =>
    usages.reduce((total, u) => total + (pick(u) ?? 0), 0);
  return {
    input_tokens: sum((u) => u.input_tokens),
    output_tokens: sum((u) => u.output_tokens),
    total_tokens: sum((u) => u.total_tokens),
    input_tokens_details: {
      text_tokens: sum((u) => u.input_tokens_details?.text_tokens),
      image_tokens: sum((u) => u.input_tokens_details?.image_tokens),
    },
  };
}

/** An `error` event (or any event whose data carries `error`) as a `RetouchError`. */
function streamError(data: unknown, text: string, model: string): RetouchError {
  const parsed = errorSchema.safeParse(data);
  const error = parsed.success ? parsed.data.error : undefined;
  const message = error?.message ?? (parsed.success ? parsed.data.message : undefined) ?? 'stream error';
  const code = error?.code ?? (parsed.success ? parsed.data.code : undefined) ?? undefined;
  const ref = { provider: PROVIDER, model };
  const refusal = classifyOpenAIError(
    {
      status: 400,
      body: data,
      text,
      headers: new Headers(),
      details: { message, code, param: error?.param ?? undefined },
    },
    ref,
  );
  if (refusal) return refusal;
  // Sent with a 200 that had begun: the edit may have been made, and billed.
  return new BadGatewayError({
    message: `${PROVIDER} reported an error in its stream: ${message}`,
    code,
    upstreamBody: text,
    reachedUpstream: true,
    ...ref,
  });
}

function unreadable(model: string, event: string, text: string): BadGatewayError {
  return new BadGatewayError({
    message: `${PROVIDER} sent a ${event} event retouch cannot read`,
    upstreamBody: text.slice(0, 500),
    reachedUpstream: true,
    provider: PROVIDER,
    model,
  });
}

/**
 * One SSE message as a provider stream event; `undefined` for messages that carry none
 * (unknown types, keep-alives, `[DONE]`).
 */
function toEvent(message: ServerSentEvent, model: string): ProviderStreamEvent | undefined {
  if (message.data.trim() === '' || message.data.startsWith('[DONE]')) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch {
    throw unreadable(model, message.event ?? 'message', message.data);
  }
  const type = (data as { type?: unknown } | null)?.type ?? message.event;
  if (message.event === 'error' || type === 'error' || (data as { error?: unknown } | null)?.error) {
    throw streamError(data, message.data, model);
  }
  if (type === 'image_edit.partial_image') {
    const parsed = partialSchema.safeParse(data);
    if (!parsed.success) throw unreadable(model, type, message.data);
    return {
      type: 'partial_image',
      b64: parsed.data.b64_json,
      partialImageIndex: parsed.data.partial_image_index,
      echo: echoOf(parsed.data),
    };
  }
  if (type === 'image_edit.completed') {
    const parsed = completedSchema.safeParse(data);
    if (!parsed.success) throw unreadable(model, type, message.data);
    const echo = echoOf(parsed.data);
    return {
      type: 'completed',
      image: { b64: parsed.data.b64_json, mediaType: `image/${echo.output_format ?? 'png'}` },
      usage: (parsed.data.usage ?? undefined) as ImageUsage | undefined,
      echo,
    };
  }
  // An event type OpenAI adds later: skipped, as the official clients' typed handlers would.
  return undefined;
}

/**
 * Runs one streamed OpenAI image edit. Resolves once the response headers arrived.
 *
 * @example
 * ```ts
 * const stream = await openAIStreamImageEdit(http, { ...request, stream: true, partial_images: 2 }, { signal });
 * for await (const event of stream.events) console.log(event.type);
 * ```
 */
export async function openAIStreamImageEdit(
  http: ProviderHttp,
  request: ProviderImageEditRequest,
  options: ProviderCallOptions,
): Promise<ProviderImageEditStream> {
  const warnings: string[] = [];
  parseProviderExtras({ request, schema: NO_EXTRAS, provider: PROVIDER, warnings });
  checkModelRules(request);
  const form = await buildForm({ ...request, stream: true }, warnings);
  const response = await http.postFormForEvents('/images/edits', form, {
    signal: options.signal,
    model: request.model,
    headers: request.extraHeaders,
  });
  const { body } = response;
  if (body.kind === 'json') {
    // A compatible server that does not stream answered with one ImagesResponse.
    return resultAsStream(resultOf(http, request, body.json, response.requestId, warnings));
  }
  const messages = body.events;
  const usages: ImageUsage[] = [];
  let echo: ImageEcho | undefined;
  async function* events(): AsyncGenerator<ProviderStreamEvent, void, undefined> {
    for await (const message of messages) {
      const event = toEvent(message, request.model);
      if (!event) continue;
      if (event.type === 'completed') {
        if (event.usage) usages.push(event.usage);
        echo = event.echo;
      }
      yield event;
    }
  }
  return {
    events: events(),
    warnings,
    upstreamRequestId: response.requestId,
    download: resultDownloader(http, request.model),
    summary: () => ({ usage: combineUsage(usages), echo }),
  };
}
