/**
 * A minimal Google OAuth 2.0 token endpoint (`POST /token`) for the Vertex simulator: the
 * service-account JWT-bearer grant. It checks the form, the RS256 signature against the service
 * account's public key, the issuer, audience, scope and lifetime, and answers
 * `{ access_token, expires_in, token_type }` or an OAuth error (`invalid_grant`, …), so the whole
 * google-auth-library flow runs without the internet.
 * @module
 */
import { createPublicKey, type KeyObject, randomBytes, verify } from 'node:crypto';
import type { RecordedRequest } from './recorded-request.js';
import type { SimulatorReply } from './simulator.js';

/** The service account the token endpoint knows. */
export interface SimulatedServiceAccount {
  /** `client_email` of the key file: the JWT's `iss`. */
  clientEmail: string;
  /** The public half of the key file's `private_key` (PEM or a KeyObject). */
  publicKey: string | KeyObject;
}

/** Path of the token endpoint. */
export const VERTEX_TOKEN_PATH = '/token';
/** The audience google-auth-library signs for. */
const GOOGLE_TOKEN_AUDIENCE = 'https://oauth2.googleapis.com/token';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';
/** Lifetime of issued tokens, as Google's (one hour minus a second). */
const EXPIRES_IN = 3599;

function oauthError(error: string, description: string): SimulatorReply {
  return { status: 400, json: { error, error_description: description } };
}

function decodeJson(segment: string | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Answers one token request; on success calls `issue` with the new token.
 *
 * @example
 * ```ts
 * if (request.path === VERTEX_TOKEN_PATH) return answerTokenRequest(request, account, tokenUrl, (t) => tokens.add(t));
 * ```
 */
export function answerTokenRequest(
  request: RecordedRequest,
  account: SimulatedServiceAccount | undefined,
  tokenUrl: string,
  issue: (token: string) => void,
): SimulatorReply {
  if (request.method !== 'POST') return oauthError('invalid_request', 'Token requests must be POSTed.');
  if (request.contentType !== 'application/x-www-form-urlencoded') {
    return oauthError('invalid_request', 'Content-Type must be application/x-www-form-urlencoded.');
  }
  const form = new URLSearchParams(request.rawBody.toString('utf8'));
  const grantType = form.get('grant_type');
  if (grantType !== JWT_BEARER)
    return oauthError('unsupported_grant_type', `Invalid grant_type: ${grantType ?? ''}`);
  const assertion = form.get('assertion') ?? '';
  const [headerPart, payloadPart, signaturePart] = assertion.split('.');
  const header = decodeJson(headerPart);
  const claims = decodeJson(payloadPart);
  if (!header || !claims || !signaturePart)
    return oauthError('invalid_grant', 'Invalid JWT: malformed assertion.');
  if (header.alg !== 'RS256') return oauthError('invalid_grant', 'Invalid JWT: the algorithm must be RS256.');
  if (!account || claims.iss !== account.clientEmail) {
    return oauthError('invalid_grant', 'Invalid JWT Signature.');
  }
  const key = typeof account.publicKey === 'string' ? createPublicKey(account.publicKey) : account.publicKey;
  const signed = verify(
    'RSA-SHA256',
    Buffer.from(`${headerPart}.${payloadPart}`),
    key,
    Buffer.from(signaturePart, 'base64url'),
  );
  if (!signed) return oauthError('invalid_grant', 'Invalid JWT Signature.');
  if (claims.aud !== GOOGLE_TOKEN_AUDIENCE && claims.aud !== tokenUrl) {
    return oauthError(
      'invalid_grant',
      `Invalid JWT: audience ${String(claims.aud)} is not the token endpoint.`,
    );
  }
  const now = Math.floor(Date.now() / 1000);
  const iat = Number(claims.iat);
  const exp = Number(claims.exp);
  if (!Number.isFinite(iat) || !Number.isFinite(exp) || exp - iat > 3600 || exp <= now || iat > now + 300) {
    return oauthError(
      'invalid_grant',
      'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
    );
  }
  const scopes = String(claims.scope ?? '').split(/\s+/);
  if (!scopes.includes(CLOUD_PLATFORM)) {
    return oauthError(
      'invalid_scope',
      `The cloud-platform scope is required; got "${String(claims.scope ?? '')}".`,
    );
  }
  const token = `ya29.sim-${randomBytes(24).toString('base64url')}`;
  issue(token);
  return { status: 200, json: { access_token: token, expires_in: EXPIRES_IN, token_type: 'Bearer' } };
}
