/**
 * A faithful, deterministic simulator of Amazon Bedrock Runtime's `InvokeModel` for the 13 Stability
 * AI Image Services: SigV4 verified the way AWS verifies it (signature recomputed from the received
 * request with the account's secret — service `bedrock`, the simulator's region, session tokens, the
 * doubly-encoded canonical path), Bedrock API keys as `Authorization: Bearer`, the model id
 * percent-encoded in the URI, each model's JSON body validated, `{seeds, finish_reasons, images}`
 * answers (filter reasons included), and the service's exceptions with their statuses and
 * `x-amzn-ErrorType` headers — for injected faults too.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { BEDROCK_EXCEPTIONS, type BedrockException, type BEDROCK_FINISH_REASONS } from './bedrock-spec.js';
import { type SimulatedAwsCredential, verifySigV4 } from './bedrock-sigv4.js';
import { BedrockApiError, type BedrockInvocation, validateBedrockInvocation } from './bedrock-validate.js';
import type { RecordedRequest } from './recorded-request.js';
import {
  type Fault,
  type FaultOptions,
  parseFaultHeader,
  type Simulator,
  type SimulatorReply,
  startSimulator,
} from './simulator.js';
import { renderStabilityResult, seedFor } from './stability-render.js';

/** Settings of {@link startBedrockSimulator}. */
export interface BedrockSimulatorOptions {
  /** The region the simulated endpoint serves (signatures must be scoped to it). Defaults to `us-east-1`. */
  region?: string;
  /** Credentials the simulated account knows. Defaults to {@link BEDROCK_SIMULATOR_CREDENTIALS}. */
  credentials?: readonly SimulatedAwsCredential[];
  /** The Bedrock API key accepted as `Authorization: Bearer <key>`. Defaults to `bedrock-api-key-simulator`. */
  apiKey?: string;
  /** Refuse a model id whose `:` is not percent-encoded in the URI. Defaults to true. */
  strictModelIdEncoding?: boolean;
  /** Largest clock skew accepted on signatures. Defaults to 15 minutes. */
  maxSkewMs?: number;
}

/** A finish reason of the Stability services (`null` = success). */
export type BedrockFinishReason = (typeof BEDROCK_FINISH_REASONS)[number];

/** The Bedrock simulator: the base simulator plus finish reasons and AWS exceptions. */
export interface BedrockSimulator extends Simulator {
  readonly region: string;
  /** The next `times` invocations answer with this finish reason (and no image). */
  queueFinishReason(reason: BedrockFinishReason, times?: number): void;
  /** The next matching invocation(s) fail with this exception (status, body and `x-amzn-ErrorType`). */
  injectException(type: BedrockException, options?: FaultOptions & { message?: string }): void;
  /** Successful invocations since the last reset, with the access key or `bearer` that authorised them. */
  invocations(): { modelId: string; principal: string }[];
}

/** The credentials the simulator accepts by default. */
export const BEDROCK_SIMULATOR_CREDENTIALS: readonly SimulatedAwsCredential[] = [
  { accessKeyId: 'AKIASIMULATOR0000001', secretAccessKey: 'bedrock-simulator-secret-key-0000000000' },
];

const BEDROCK_NAMESPACE = 'http://internal.amazon.com/coral/com.amazon.bedrock/';
const FRONT_END_NAMESPACE = 'http://internal.amazon.com/coral/com.amazon.coral.service/';
const DEFAULT_MESSAGES: Partial<Record<BedrockException, string>> = {
  AccessDeniedException: "You don't have access to the model with the specified model ID.",
  ThrottlingException: 'Too many requests, please wait before trying again.',
  ServiceUnavailableException: 'Bedrock is unable to process your request.',
  InternalServerException: 'The server encountered an internal error while processing the request.',
  ModelTimeoutException: 'Model has timed out in processing the request. Try your request again.',
  ModelErrorException: 'The model returned an error while processing the request.',
  ResourceNotFoundException: 'Could not resolve the foundation model from the provided model identifier.',
};

/** The exception an HTTP status stands for (injected status faults get the matching header). */
function exceptionFor(status: number): BedrockException | undefined {
  const byStatus: Record<number, BedrockException> = {
    400: 'ValidationException',
    403: 'AccessDeniedException',
    404: 'ResourceNotFoundException',
    408: 'ModelTimeoutException',
    424: 'ModelErrorException',
    429: 'ThrottlingException',
    500: 'InternalServerException',
    503: 'ServiceUnavailableException',
  };
  return byStatus[status];
}

function errorTypeHeader(type: string, namespace = BEDROCK_NAMESPACE): Record<string, string> {
  return { 'x-amzn-errortype': `${type}:${namespace}` };
}

function render(invocation: BedrockInvocation): { b64: string; seed: number } {
  const { spec, body, images } = invocation;
  const main = images.image ?? images.init_image;
  const prompt = typeof body.prompt === 'string' ? body.prompt : '';
  const rendered = renderStabilityResult({
    kind: spec.render,
    image: main?.bytes ?? Buffer.alloc(0),
    imageSize: main?.info,
    second: images.style_image?.bytes,
    mask: images.mask?.bytes,
    prompt,
    outpaint: {
      left: Number(body.left ?? 0),
      right: Number(body.right ?? 0),
      up: Number(body.up ?? 0),
      down: Number(body.down ?? 0),
    },
    outputFormat: typeof body.output_format === 'string' ? body.output_format : 'png',
  });
  const seed = seedFor(typeof body.seed === 'number' ? body.seed : 0, `${spec.modelId}|${prompt}`);
  return { b64: rendered.bytes.toString('base64'), seed };
}

/**
 * Starts the Bedrock Runtime simulator. Point a client at `sim.url` as its endpoint (the AWS SDK's
 * `endpoint`, `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`) and sign for `sim.region`.
 *
 * @example
 * ```ts
 * const sim = await startBedrockSimulator({ apiKey: 'bedrock-key' });
 * const response = await fetch(`${sim.url}/model/us.stability.stable-image-inpaint-v1%3A0/invoke`, {
 *   method: 'POST',
 *   headers: { authorization: 'Bearer bedrock-key', 'content-type': 'application/json' },
 *   body: JSON.stringify({ image: createPng(64, 64).toString('base64'), prompt: 'a red armchair' }),
 * });
 * (await response.json()).finish_reasons; // [null]
 * await sim.close();
 * ```
 */
export async function startBedrockSimulator(
  options: BedrockSimulatorOptions = {},
): Promise<BedrockSimulator> {
  const region = options.region ?? 'us-east-1';
  const credentials = options.credentials ?? BEDROCK_SIMULATOR_CREDENTIALS;
  const apiKey = options.apiKey ?? 'bedrock-api-key-simulator';
  const finishReasons: BedrockFinishReason[] = [];
  const invocations: { modelId: string; principal: string }[] = [];

  async function authorise(request: RecordedRequest): Promise<string> {
    const authorization = request.headers.authorization ?? '';
    const bearer = /^Bearer\s+(.+)$/i.exec(authorization)?.[1]?.trim();
    if (bearer !== undefined) {
      if (bearer === apiKey) return 'bearer';
      throw new BedrockApiError(
        403,
        'AccessDeniedException',
        'Authentication failed: Please make sure your API Key is valid.',
        BEDROCK_NAMESPACE,
      );
    }
    const outcome = await verifySigV4(request, {
      credentials,
      region,
      service: 'bedrock',
      maxSkewMs: options.maxSkewMs,
    });
    if ('type' in outcome) throw new BedrockApiError(403, outcome.type, outcome.message, FRONT_END_NAMESPACE);
    return outcome.accessKeyId;
  }

  async function route(request: RecordedRequest): Promise<SimulatorReply> {
    if (request.method !== 'POST' || !/^\/model\/[^/]+\/invoke$/.test(request.path)) {
      throw new BedrockApiError(
        404,
        'UnknownOperationException',
        `No operation matches ${request.method} ${request.path}`,
      );
    }
    const principal = await authorise(request);
    const invocation = validateBedrockInvocation(request, region, options.strictModelIdEncoding ?? true);
    const reason = finishReasons.shift();
    invocations.push({ modelId: invocation.modelId, principal });
    if (reason) return { status: 200, json: { finish_reasons: [reason] } };
    const { b64, seed } = render(invocation);
    return {
      status: 200,
      headers: { 'x-amzn-bedrock-invocation-latency': '1200' },
      json: { seeds: [seed], finish_reasons: [null], images: [b64] },
    };
  }

  const base = await startSimulator({
    name: 'bedrock',
    errorBody: (_status, message) => ({ message }),
    responseHeaders: (request) => {
      const headers: Record<string, string> = { 'x-amzn-requestid': randomUUID() };
      // A fault chosen by header still answers like AWS, with its exception type.
      const fault = request.headers['x-simulator-fault'];
      const parsed = fault === undefined ? undefined : parseFaultHeader(fault);
      const type =
        parsed?.type === 'status'
          ? exceptionFor(parsed.status)
          : parsed?.type === 'rate-limit'
            ? 'ThrottlingException'
            : undefined;
      return type ? { ...headers, ...errorTypeHeader(type) } : headers;
    },
    async handle(request) {
      try {
        return await route(request);
      } catch (error) {
        if (!(error instanceof BedrockApiError)) throw error;
        // The API-key front end answers with a capitalised `Message`.
        const body = error.message.startsWith('Authentication failed')
          ? { Message: error.message }
          : { message: error.message };
        return { status: error.status, headers: errorTypeHeader(error.type, error.namespace), json: body };
      }
    },
  });

  function withExceptionHeaders(fault: Fault): Fault {
    if (fault.type === 'rate-limit') {
      return {
        type: 'status',
        status: 429,
        body: { message: DEFAULT_MESSAGES.ThrottlingException },
        headers: {
          ...errorTypeHeader('ThrottlingException'),
          'retry-after': String(fault.retryAfterSeconds ?? 1),
        },
      };
    }
    if (
      fault.type !== 'status' ||
      Object.keys(fault.headers ?? {}).some((name) => name.toLowerCase() === 'x-amzn-errortype')
    ) {
      return fault;
    }
    const type = exceptionFor(fault.status);
    return type ? { ...fault, headers: { ...errorTypeHeader(type), ...fault.headers } } : fault;
  }

  return {
    ...base,
    region,
    lastRequest: () => base.lastRequest(),
    injectFault: (fault, faultOptions) => base.injectFault(withExceptionHeaders(fault), faultOptions),
    clearFaults: () => base.clearFaults(),
    close: () => base.close(),
    reset() {
      base.reset();
      finishReasons.length = 0;
      invocations.length = 0;
    },
    queueFinishReason(reason, times = 1) {
      for (let index = 0; index < times; index++) finishReasons.push(reason);
    },
    injectException(type, { message, ...faultOptions } = {}) {
      const text = message ?? DEFAULT_MESSAGES[type] ?? `${type} (simulated)`;
      const body =
        type === 'ModelErrorException'
          ? { message: text, originalStatusCode: 500, resourceName: 'stability-image-service' }
          : { message: text };
      base.injectFault(
        { type: 'status', status: BEDROCK_EXCEPTIONS[type], body, headers: errorTypeHeader(type) },
        faultOptions,
      );
    },
    invocations: () => [...invocations],
  };
}
