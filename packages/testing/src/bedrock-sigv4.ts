/**
 * SigV4 verification the way AWS does it: parse the `Authorization` header, check the credential
 * scope (date, region, service `bedrock`, `aws4_request`), the clock skew (15 minutes), the access key
 * and session token, then recompute the signature from the received request — method, the path as
 * received (URI-encoded once more for the canonical request, so `%3A` becomes `%253A`), the signed
 * headers as received, the SHA-256 of the actual body — with the same secret, and compare. The
 * signature is recomputed with `@smithy/signature-v4`, the signer AWS's own SDKs use; failures carry
 * AWS's exception names and messages (the mismatch message includes the canonical request and the
 * string to sign, as AWS's does).
 * @module
 */
import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RecordedRequest } from './recorded-request.js';

/** A credential the simulated account knows. */
export interface SimulatedAwsCredential {
  accessKeyId: string;
  secretAccessKey: string;
  /** Set for temporary credentials: requests must carry it in `x-amz-security-token`. */
  sessionToken?: string;
}

/** Why a request was refused: an AWS exception name and its message. */
export interface SigV4Failure {
  type:
    | 'IncompleteSignatureException'
    | 'InvalidSignatureException'
    | 'UnrecognizedClientException'
    | 'MissingAuthenticationTokenException';
  message: string;
}

/** Settings of {@link verifySigV4}. */
export interface SigV4VerifyOptions {
  credentials: readonly SimulatedAwsCredential[];
  region: string;
  service: string;
  /** Largest allowed difference between `x-amz-date` and now. Defaults to 15 minutes. */
  maxSkewMs?: number;
  now?: number;
}

/** Keeps the canonical request of the last signature, for AWS's mismatch message. */
class RecordingSigner extends SignatureV4 {
  canonicalRequest = '';
  protected override createCanonicalRequest(
    request: HttpRequest,
    canonicalHeaders: Record<string, string>,
    payloadHash: string,
  ): string {
    this.canonicalRequest = super.createCanonicalRequest(request, canonicalHeaders, payloadHash);
    return this.canonicalRequest;
  }
}

const fail = (type: SigV4Failure['type'], message: string): SigV4Failure => ({ type, message });

function parseAuthorization(value: string): {
  credential?: string;
  signedHeaders?: string;
  signature?: string;
} {
  const parts: Record<string, string> = {};
  for (const piece of value.slice('AWS4-HMAC-SHA256'.length).split(',')) {
    const [name, ...rest] = piece.trim().split('=');
    if (name) parts[name] = rest.join('=');
  }
  return { credential: parts.Credential, signedHeaders: parts.SignedHeaders, signature: parts.Signature };
}

function parseAmzDate(value: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
}

function amzDate(time: number): string {
  return new Date(time)
    .toISOString()
    .replace(/\.\d{3}/, '')
    .replace(/[-:]/g, '');
}

/**
 * Verifies a request's SigV4 signature. Returns the access key id that signed it, or the failure
 * AWS would answer with (HTTP 403).
 *
 * @example
 * ```ts
 * const outcome = await verifySigV4(request, { credentials: [{ accessKeyId, secretAccessKey }], region: 'us-east-1', service: 'bedrock' });
 * if ('type' in outcome) console.log(outcome.type); // 'InvalidSignatureException'
 * ```
 */
export async function verifySigV4(
  request: RecordedRequest,
  options: SigV4VerifyOptions,
): Promise<{ accessKeyId: string } | SigV4Failure> {
  const authorization = request.headers.authorization ?? '';
  if (!authorization) return fail('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const { credential, signedHeaders, signature } = authorization.startsWith('AWS4-HMAC-SHA256 ')
    ? parseAuthorization(authorization)
    : {};
  const date = request.headers['x-amz-date'];
  const missing = [
    credential ? '' : "Authorization header requires 'Credential' parameter.",
    signature ? '' : "Authorization header requires 'Signature' parameter.",
    signedHeaders ? '' : "Authorization header requires 'SignedHeaders' parameter.",
    date ? '' : "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
  ].filter(Boolean);
  if (missing.length > 0) {
    // AWS quotes the header back, secrets and all; clients must redact it.
    return fail('IncompleteSignatureException', `${missing.join(' ')} Authorization=${authorization}`);
  }
  const [accessKeyId = '', scopeDate, scopeRegion, scopeService, terminator] = (credential as string).split(
    '/',
  );
  const signedAt = parseAmzDate(date as string);
  if (signedAt === undefined) {
    return fail('IncompleteSignatureException', `Date must be in ISO-8601 'basic format'. Got '${date}'.`);
  }
  if (scopeDate !== (date as string).slice(0, 8)) {
    return fail(
      'InvalidSignatureException',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${(date as string).slice(0, 8)}', from '${date}'.`,
    );
  }
  if (scopeRegion !== options.region)
    return fail('InvalidSignatureException', 'Credential should be scoped to a valid region. ');
  if (scopeService !== options.service) {
    return fail(
      'InvalidSignatureException',
      `Credential should be scoped to correct service: '${options.service}'. `,
    );
  }
  if (terminator !== 'aws4_request') {
    return fail(
      'InvalidSignatureException',
      `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'. `,
    );
  }
  const now = options.now ?? Date.now();
  const skew = options.maxSkewMs ?? 15 * 60_000;
  if (Math.abs(now - signedAt) > skew) {
    const relation =
      signedAt < now
        ? `now earlier than ${amzDate(now - skew)} (${amzDate(now)} - 15 min.)`
        : `now later than ${amzDate(now + skew)} (${amzDate(now)} + 15 min.)`;
    return fail('InvalidSignatureException', `Signature expired: ${date} is ${relation}`);
  }
  const known = options.credentials.find((c) => c.accessKeyId === accessKeyId);
  const token = request.headers['x-amz-security-token'];
  if (!known || (known.sessionToken ?? undefined) !== token) {
    return fail('UnrecognizedClientException', 'The security token included in the request is invalid.');
  }

  const names = (signedHeaders as string).split(';');
  if (!names.includes('host')) {
    return fail(
      'InvalidSignatureException',
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    );
  }
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = request.headers[name];
    if (value === undefined) {
      return fail(
        'InvalidSignatureException',
        `The request signature we calculated does not match the signature you provided. Signed header '${name}' is missing from the request.`,
      );
    }
    // The payload hash is always taken from the body itself, never from the header.
    if (name !== 'x-amz-content-sha256') headers[name] = value;
  }
  const [hostname = '', port] = (request.headers.host ?? '').split(':');
  const query: Record<string, string[]> = {};
  for (const [name, value] of request.query) {
    query[name] = [...(query[name] ?? []), value];
  }
  const signer = new RecordingSigner({
    service: options.service,
    region: options.region,
    credentials: { accessKeyId, secretAccessKey: known.secretAccessKey },
    sha256: Sha256,
    applyChecksum: names.includes('x-amz-content-sha256'),
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: request.method,
      protocol: 'https:',
      hostname,
      port: port ? Number(port) : undefined,
      path: request.path,
      query,
      headers,
      body: request.rawBody,
    }),
    { signingDate: new Date(signedAt), signableHeaders: new Set(names) },
  );
  const expected = /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization))?.[1];
  if (expected === signature) return { accessKeyId };
  const scope = `${scopeDate}/${scopeRegion}/${scopeService}/aws4_request`;
  const canonicalHash = createHash('sha256').update(signer.canonicalRequest).digest('hex');
  return fail(
    'InvalidSignatureException',
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\n' +
      `The Canonical String for this request should have been\n'${signer.canonicalRequest}'\n\n` +
      `The String-to-Sign should have been\n'AWS4-HMAC-SHA256\n${date}\n${scope}\n${canonicalHash}'\n`,
  );
}
