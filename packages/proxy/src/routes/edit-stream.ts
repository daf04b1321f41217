/**
 * `stream=true` on the edit routes: the router's stream as OpenAI's `text/event-stream`
 * (`event:` + `data:` lines, one write per event), the retouch headers before the first byte,
 * and a failure after the first event as an SSE `error` event in OpenAI's error shape. A client
 * that goes away ends the read, which cancels the upstream call.
 * @module
 */
import { Readable } from 'node:stream';
import { formatServerSentEvent, getMeta, type ImageEditStream, RetouchError } from '@retouch/core';
import type { FastifyReply } from 'fastify';
import type { RequestState } from '../context.js';
import { toErrorReply } from '../errors.js';
import { WARNING_COUNT_HEADER, WARNINGS_HEADER, warningsHeader } from '../warning-header.js';

/** What the retouch headers are made of (a response's `_meta`, or a stream's `meta`). */
export interface RetouchHeaderSource {
  modelGroup?: string;
  deploymentId?: string;
  provider: string;
  attempts: number;
  warnings: readonly string[];
  upstreamRequestId?: string;
  costUsd?: number | null;
  timeToFirstEventMs?: number;
}

/**
 * The `x-retouch-*` response headers of a call.
 *
 * @example
 * ```ts
 * reply.headers(retouchHeaders(getMeta(response), 'gpt-image-2'));
 * ```
 */
export function retouchHeaders(meta: RetouchHeaderSource, modelGroup: string): Record<string, string> {
  const headers: Record<string, string> = {
    'x-retouch-model-group': meta.modelGroup ?? modelGroup,
    'x-retouch-attempts': String(meta.attempts),
    'x-retouch-provider': meta.provider,
  };
  if (meta.deploymentId) headers['x-retouch-model-id'] = meta.deploymentId;
  if (typeof meta.costUsd === 'number') headers['x-retouch-response-cost'] = String(meta.costUsd);
  if (meta.upstreamRequestId) headers['x-retouch-upstream-request-id'] = meta.upstreamRequestId;
  if (meta.timeToFirstEventMs !== undefined)
    headers['x-retouch-time-to-first-event-ms'] = String(meta.timeToFirstEventMs);
  const warnings = warningsHeader(meta.warnings);
  if (warnings !== undefined) {
    headers[WARNINGS_HEADER] = warnings;
    headers[WARNING_COUNT_HEADER] = String(meta.warnings.length);
  }
  return headers;
}

/**
 * Answers with the stream. `signal` is the request's (client gone, shutdown): when it ended the
 * stream, its reason is the error event. `done` runs once the stream is over, however it ended.
 *
 * @example
 * ```ts
 * const stream = await ctx.router.streamImageEdit(params, context);
 * return sendEventStream(reply, stream, { state: request.retouch, signal, done: () => ctx.inFlight.delete(controller) });
 * ```
 */
export function sendEventStream(
  reply: FastifyReply,
  stream: ImageEditStream,
  options: { state: RequestState; signal: AbortSignal; done: () => void },
): FastifyReply {
  const { state, signal, done } = options;
  const { meta } = stream;
  state.modelGroup = meta.modelGroup ?? state.modelGroup;
  state.deploymentId = meta.deploymentId;
  state.attempts = meta.attempts;
  state.warnings = meta.warnings;
  state.stream = true;
  async function* frames(): AsyncGenerator<string, void, undefined> {
    try {
      for await (const event of stream) yield formatServerSentEvent(event.type, event);
      const final = getMeta(await stream.response());
      state.costUsd = final.costUsd;
      state.warnings = final.warnings;
    } catch (error) {
      // The reason the request was aborted for (a shutdown's 503), not the abort it caused upstream.
      const reason: unknown = signal.reason;
      const { body, error: failure } = toErrorReply(
        signal.aborted && RetouchError.isInstance(reason) ? reason : error,
      );
      state.errorCode = failure.code ?? failure.name;
      state.errorMessage = failure.message;
      // The status line went out with the first event: the failure is an event, as OpenAI sends it.
      if (!reply.raw.destroyed) yield formatServerSentEvent('error', { type: 'error', ...body });
    } finally {
      end();
    }
  }
  let over = false;
  const end = () => {
    if (over) return;
    over = true;
    done();
  };
  // One chunk per event, written as it is read (no object mode, no batching).
  const body = Readable.from(frames(), { objectMode: false, highWaterMark: 1 });
  // Destroyed before its first read (the client left at once), the generator never runs: cancel here.
  body.once('close', () => {
    stream.abort();
    end();
  });
  return reply
    .code(200)
    .headers({
      ...retouchHeaders(meta, state.modelGroup ?? ''),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      // nginx and similar proxies buffer responses unless told not to.
      'x-accel-buffering': 'no',
    })
    .send(body);
}
