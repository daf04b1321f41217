import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  type Attributes,
  type Span,
  type SpanStatus,
  type TimeInput,
  trace,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import type { ImageEditResponse } from '@retouch/core';
import { type Simulator, startOpenAISimulator } from '@retouch/testing';
import { pino } from 'pino';
import { Router } from '../router.js';
import { edit, OPENAI_KEY, openai } from '../test-support/harness.js';
import type { RouterCallback, RouterOptions } from '../types.js';
import { createEmitter } from './payload.js';
import { openTelemetryCallback } from './otel.js';
import { pinoCallback } from './pino.js';

let a: Simulator;
let b: Simulator;
const routers: Router[] = [];

async function router(options: RouterOptions): Promise<Router> {
  const created = await Router.create(options);
  routers.push(created);
  return created;
}

beforeAll(async () => {
  [a, b] = await Promise.all([startOpenAISimulator(), startOpenAISimulator()]);
});
beforeEach(() => {
  a.reset();
  b.reset();
});
afterEach(async () => {
  await Promise.all(routers.splice(0).map((r) => r.close()));
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});

describe('pinoCallback', () => {
  it('pinoCallback writes one JSON line per event at the right level', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const r = await router({ model_list: [openai(a, 'a')], callbacks: [pinoCallback(logger)] });
    await r.imageEdit(edit('gpt-image-2', { user: 'ann' }), { requestId: 'req-p' });
    a.injectFault({ type: 'status', status: 400 });
    await r.imageEdit(edit('gpt-image-2'), { requestId: 'req-q' }).catch(() => undefined);
    expect(lines.map((l) => [l.msg, l.level])).toEqual([
      ['image edit start', 20],
      ['image edit success', 30],
      ['image edit start', 20],
      ['image edit failure', 40],
    ]);
    expect(lines[1]).toMatchObject({ requestId: 'req-p', deploymentId: 'a', user: 'ann', attempts: 1 });
    expect(JSON.stringify(lines)).not.toContain(OPENAI_KEY);
  });
});

describe('createEmitter', () => {
  it('says which events a callback handles, including a handler added after the emitter was made', async () => {
    const seen: string[] = [];
    const late: RouterCallback = { onSuccess: (p) => void seen.push(p.event) };
    const emit = createEmitter([late]);
    expect(emit.listens('start')).toBe(false);
    expect(emit.listens('success')).toBe(true);
    late.onStart = (p) => void seen.push(p.event);
    expect(emit.listens('start')).toBe(true);
    const r = await router({ model_list: [openai(a, 'a')], callbacks: [late] });
    await r.imageEdit(edit('gpt-image-2'), { requestId: 'req-late' });
    expect(seen).toEqual(['start', 'success']);
  });
});

describe('openTelemetryCallback', () => {
  interface Recorded {
    name: string;
    attributes: Attributes;
    events: { name: string; attributes?: Attributes }[];
    status?: SpanStatus;
    ended: boolean;
  }
  const recorded: Recorded[] = [];

  function recordingProvider(): TracerProvider {
    const tracer: Tracer = {
      startSpan(name, options) {
        const entry: Recorded = { name, attributes: { ...options?.attributes }, events: [], ended: false };
        recorded.push(entry);
        const span: Span = {
          spanContext: () => ({
            traceId: '0123456789abcdef0123456789abcdef',
            spanId: '0123456789abcdef',
            traceFlags: 1,
          }),
          setAttribute(key, value) {
            if (value !== undefined) entry.attributes[key] = value;
            return span;
          },
          setAttributes(attributes) {
            Object.assign(entry.attributes, attributes);
            return span;
          },
          addEvent(eventName: string, attributes?: Attributes | TimeInput) {
            entry.events.push({ name: eventName, attributes: attributes as Attributes });
            return span;
          },
          addLink: () => span,
          addLinks: () => span,
          setStatus(status) {
            entry.status = status;
            return span;
          },
          updateName: () => span,
          end() {
            entry.ended = true;
          },
          isRecording: () => true,
          recordException: () => {},
        };
        return span;
      },
      startActiveSpan: (() => {
        throw new Error('not used');
      }) as never,
    };
    return { getTracer: () => tracer };
  }

  afterAll(() => trace.disable());

  it('is a no-op without an OpenTelemetry SDK', async () => {
    const r = await router({ model_list: [openai(a, 'a')], callbacks: [openTelemetryCallback()] });
    const response: ImageEditResponse = await r.imageEdit(edit('gpt-image-2'));
    expect(response.data).toHaveLength(1);
    expect(recorded).toHaveLength(0);
  });

  it('traces each call as a span with retries as events, once an SDK is registered', async () => {
    expect(trace.setGlobalTracerProvider(recordingProvider())).toBe(true);
    const r = await router({
      model_list: [openai(a, 'a', 'gpt-image-2', { order: 1 }), openai(b, 'b', 'gpt-image-2', { order: 2 })],
      callbacks: [openTelemetryCallback('test')],
    });
    a.injectFault({ type: 'status', status: 503 });
    await r.imageEdit(edit('gpt-image-2', { user: 'ann' }), { requestId: 'req-o' });
    a.injectFault({ type: 'status', status: 400 });
    await r.imageEdit(edit('gpt-image-2'), { requestId: 'req-x' }).catch(() => undefined);
    expect(recorded).toHaveLength(2);
    const [ok, bad] = recorded as [Recorded, Recorded];
    expect(ok).toMatchObject({
      name: 'image_edit gpt-image-2',
      ended: true,
      status: { code: 1 },
      attributes: {
        'gen_ai.operation.name': 'image_edit',
        'gen_ai.provider.name': 'openai',
        'gen_ai.response.model': 'gpt-image-2',
        'retouch.deployment_id': 'b',
        'retouch.attempts': 2,
        'retouch.request_id': 'req-o',
        'enduser.id': 'ann',
      },
    });
    expect(ok.events.map((e) => e.name)).toEqual(['retry']);
    expect(bad).toMatchObject({
      ended: true,
      status: { code: 2 },
      attributes: { 'error.type': 'BadRequestError', 'http.response.status_code': 400 },
    });
  });
});
