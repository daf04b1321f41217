/**
 * SigV4 for Bedrock Runtime with `@smithy/signature-v4` (the signer of AWS's own SDKs): service
 * `bedrock`, the call's region, session tokens, `x-amz-content-sha256`, and the canonical path
 * URI-encoded once more than the request path (the model id's `%3A` becomes `%253A`). The signing is
 * done in a `fetch` wrapper handed to core's HTTP layer, so exactly the bytes and headers sent are
 * the ones signed; Bedrock API keys go out as `Authorization: Bearer` instead.
 * @module
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentials, BedrockAuth } from './bedrock-credentials.js';

/** The SigV4 signing name of Bedrock Runtime (botocore `signingName`). */
export const BEDROCK_SIGNING_NAME = 'bedrock';

/** Headers a caller may not set: the signer owns them. */
const SIGNER_HEADERS = new Set([
  'authorization',
  'x-amz-date',
  'x-amz-security-token',
  'x-amz-content-sha256',
  'host',
]);

/** What {@link signBedrockRequest} signs. */
export interface BedrockSigningInput {
  url: string;
  method: string;
  /** Headers to send and sign (names in any case); `host` comes from `url`. */
  headers: Record<string, string>;
  body: Uint8Array | string;
  region: string;
  credentials: AwsCredentials;
  /** The signing time. Defaults to now. */
  signingDate?: Date;
}

/**
 * Signs a request and returns the headers to send: the given ones plus `host`, `x-amz-date`,
 * `x-amz-content-sha256`, `x-amz-security-token` (temporary credentials) and `authorization`.
 *
 * @example
 * ```ts
 * const headers = await signBedrockRequest({
 *   url: 'https://bedrock-runtime.us-east-1.amazonaws.com/model/us.stability.stable-image-inpaint-v1%3A0/invoke',
 *   method: 'POST',
 *   headers: { 'content-type': 'application/json', accept: 'application/json' },
 *   body: JSON.stringify({ image: b64, prompt: 'a red armchair' }),
 *   region: 'us-east-1',
 *   credentials: { accessKeyId, secretAccessKey, sessionToken },
 * });
 * headers.authorization; // 'AWS4-HMAC-SHA256 Credential=…/us-east-1/bedrock/aws4_request, SignedHeaders=…, Signature=…'
 * ```
 */
export async function signBedrockRequest(input: BedrockSigningInput): Promise<Record<string, string>> {
  const url = new URL(input.url);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) {
    if (!SIGNER_HEADERS.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  }
  headers.host = url.host;
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const previous = query[name];
    query[name] =
      previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  const signer = new SignatureV4({
    service: BEDROCK_SIGNING_NAME,
    region: input.region,
    credentials: input.credentials,
    sha256: Sha256,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: input.method.toUpperCase(),
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      // The path exactly as sent (already percent-encoded); the signer encodes it again.
      path: url.pathname,
      query,
      headers,
      body: input.body,
    }),
    { signingDate: input.signingDate ?? new Date() },
  );
  return signed.headers as Record<string, string>;
}

/**
 * A `fetch` that authenticates every request it sends: `Authorization: Bearer` for an API key, or a
 * SigV4 signature over the request's own method, URL, headers and body.
 *
 * @example
 * ```ts
 * const http = createProviderHttp({ provider: 'bedrock', baseURL, fetch: authenticatingFetch(auth, 'us-east-1') });
 * ```
 */
export function authenticatingFetch(
  auth: BedrockAuth,
  region: string,
  baseFetch: typeof globalThis.fetch = (input, init) => globalThis.fetch(input, init),
): typeof globalThis.fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      if (!SIGNER_HEADERS.has(name)) headers[name] = value;
    });
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : new Uint8Array();
    let sent: Record<string, string>;
    if (auth.type === 'bearer') {
      sent = { ...headers, authorization: `Bearer ${auth.token}` };
    } else {
      const signed = await signBedrockRequest({
        url: request.url,
        method: request.method,
        headers,
        body,
        region,
        credentials: auth.credentials,
      });
      // fetch sets `host` itself from the URL; the signature covers that same value.
      const { host: _host, ...rest } = signed;
      sent = rest;
    }
    return baseFetch(request.url, {
      method: request.method,
      headers: sent,
      body: request.method === 'GET' || request.method === 'HEAD' ? undefined : body,
      // The caller's own signal: `request.signal` is linked to it only through a weak reference
      // that GC may clear mid-call (nodejs/undici#4068).
      signal: init?.signal ?? request.signal,
      redirect: init?.redirect ?? request.redirect,
    });
  };
}
