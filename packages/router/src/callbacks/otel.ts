/**
 * An OpenTelemetry callback: one client span per call through `@opentelemetry/api`, with retries
 * and fallbacks as span events. Without a registered SDK the API is a no-op, so this costs nothing.
 * @module
 */
import { type Attributes, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { RouterCallback, RouterLogPayload } from '../types.js';

function attributes(p: RouterLogPayload): Attributes {
  const out: Attributes = {
    'gen_ai.operation.name': 'image_edit',
    'gen_ai.request.model': p.modelGroup,
    'retouch.request_id': p.requestId,
    'retouch.attempts': p.attempts,
  };
  if (p.provider !== undefined) out['gen_ai.provider.name'] = p.provider;
  if (p.model !== undefined) out['gen_ai.response.model'] = p.model;
  if (p.deploymentId !== undefined) out['retouch.deployment_id'] = p.deploymentId;
  if (p.user !== undefined) out['enduser.id'] = p.user;
  if (typeof p.costUsd === 'number') out['retouch.cost_usd'] = p.costUsd;
  if (p.errorClass !== undefined) out['error.type'] = p.errorClass;
  if (p.errorStatus !== undefined) out['http.response.status_code'] = p.errorStatus;
  if (p.fallbackTo !== undefined) out['retouch.fallback_to'] = p.fallbackTo;
  if (p.warnings.length > 0) out['retouch.warnings'] = p.warnings;
  return out;
}

/**
 * Traces router calls: a span `image_edit <group>` from `start` to `success`/`failure`, with
 * `retry` and `fallback` events on it. The tracer is looked up per call, so an SDK registered
 * after the router was created is used.
 *
 * @example
 * ```ts
 * import { NodeSDK } from '@opentelemetry/sdk-node';
 * new NodeSDK({ traceExporter }).start();
 * const router = await Router.create({ model_list, callbacks: [openTelemetryCallback()] });
 * ```
 */
export function openTelemetryCallback(tracerName = '@retouch/router'): RouterCallback {
  const spans = new Map<string, Span>();
  const take = (p: RouterLogPayload) => {
    const span = spans.get(p.requestId);
    spans.delete(p.requestId);
    return span;
  };
  return {
    onStart(p) {
      const span = trace
        .getTracer(tracerName)
        .startSpan(`image_edit ${p.modelGroup}`, { kind: SpanKind.CLIENT, attributes: attributes(p) });
      spans.set(p.requestId, span);
    },
    onRetry(p) {
      spans.get(p.requestId)?.addEvent('retry', attributes(p));
    },
    onFallback(p) {
      spans.get(p.requestId)?.addEvent('fallback', attributes(p));
    },
    onSuccess(p) {
      const span = take(p);
      if (!span) return;
      span.setAttributes(attributes(p));
      span.setStatus({ code: SpanStatusCode.OK });
      span.end();
    },
    onFailure(p) {
      const span = take(p);
      if (!span) return;
      span.setAttributes(attributes(p));
      span.setStatus({ code: SpanStatusCode.ERROR, message: p.errorMessage });
      span.end();
    },
  };
}
