/**
 * One playground edit through the proxy's own `POST /v1/images/edits`: a JSON answer, or with
 * `stream=true` OpenAI's event stream read event by event (partial images are handed out as they
 * arrive). What the proxy knows of the call comes from its `x-retouch-*` headers, and for a stream
 * — whose headers leave before the cost is known — from the console's record of the request.
 */
import type { ConsoleLogs } from '../api-types';
import { ApiError, consoleApi, proxyFetch } from './api';
import { createEventStreamParser } from './sse';

/** What the page shows of a finished edit. */
export interface EditOutcome {
  /** The final images, as `data:` or `https:` URLs. */
  images: string[];
  costUsd: number | null;
  /** From sending the request to the last image, in the browser. */
  latencyMs: number;
  /** From sending the request to the first event (streams only), in the browser. */
  firstEventMs: number | null;
  /** Partial images received (streams only). */
  partials: number;
  deployment: string | null;
  provider: string | null;
  modelGroup: string | null;
  attempts: string | null;
  requestId: string | null;
  streamed: boolean;
}

/** Told of each image of a stream as it arrives. */
export interface StreamWatcher {
  onPartial(src: string, index: number): void;
  onImage(src: string, index: number): void;
}

interface StreamEvent {
  type?: string;
  b64_json?: string;
  output_format?: string;
  partial_image_index?: number;
  error?: { message?: string; code?: string | null };
}

const dataUrl = (b64: string, format = 'png') => `data:image/${format};base64,${b64}`;

/** The item of a JSON answer as something an `<img>` shows. */
function imageOf(item: { b64_json?: string; url?: string }, format: string): string | null {
  if (item.b64_json) return dataUrl(item.b64_json, format);
  return item.url ?? null;
}

/** The console's record of a request: it lands once the proxy has finished the response. */
async function recordedCost(requestId: string): Promise<number | null> {
  for (let tries = 0; tries < 20; tries++) {
    const { entries } = await consoleApi<ConsoleLogs>(
      `logs?request=${encodeURIComponent(requestId)}&limit=1`,
    );
    if (entries[0]) return entries[0].costUsd;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return null;
}

/**
 * Sends the form and reads the answer; a stream's `error` event (after its 200) throws an
 * `ApiError` as a JSON error answer does.
 */
export async function runEdit(form: FormData, watcher: StreamWatcher): Promise<EditOutcome> {
  const started = performance.now();
  const response = await proxyFetch('/v1/images/edits', { method: 'POST', body: form });
  const header = (name: string) => response.headers.get(name);
  const common = {
    deployment: header('x-retouch-model-id'),
    provider: header('x-retouch-provider'),
    modelGroup: header('x-retouch-model-group'),
    attempts: header('x-retouch-attempts'),
    requestId: header('x-request-id'),
  };
  if (!(header('content-type') ?? '').startsWith('text/event-stream')) {
    const body = (await response.json()) as {
      data?: { b64_json?: string; url?: string }[];
      output_format?: string;
    };
    const cost = header('x-retouch-response-cost');
    return {
      ...common,
      images: (body.data ?? [])
        .map((d) => imageOf(d, body.output_format ?? 'png'))
        .filter((u): u is string => u !== null),
      costUsd: cost === null ? null : Number(cost),
      latencyMs: performance.now() - started,
      firstEventMs: null,
      partials: 0,
      streamed: false,
    };
  }

  const images: string[] = [];
  let partials = 0;
  let firstEventMs: number | null = null;
  let failure = null as ApiError | null;
  const parser = createEventStreamParser(({ data }) => {
    firstEventMs ??= performance.now() - started;
    const event = JSON.parse(data) as StreamEvent;
    if (event.type === 'image_edit.partial_image' && event.b64_json) {
      partials++;
      watcher.onPartial(dataUrl(event.b64_json, event.output_format), event.partial_image_index ?? 0);
    } else if (event.type === 'image_edit.completed' && event.b64_json) {
      images.push(dataUrl(event.b64_json, event.output_format));
      watcher.onImage(images[images.length - 1] as string, images.length - 1);
    } else if (event.type === 'error' || event.error) {
      failure = new ApiError(
        response.status,
        event.error?.message ?? 'the stream failed',
        event.error?.code ?? null,
      );
    }
  });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.push(decoder.decode(value, { stream: true }));
  }
  parser.push(decoder.decode());
  parser.end();
  if (failure) throw failure;
  const latencyMs = performance.now() - started;
  return {
    ...common,
    images,
    costUsd: common.requestId ? await recordedCost(common.requestId) : null,
    latencyMs,
    firstEventMs,
    partials,
    streamed: true,
  };
}
