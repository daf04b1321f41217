import { describe, expect, it } from '@jest/globals';
import { MAX_UPSTREAM_BODY_CHARS, redactAndTruncate, redactSecrets } from './redact.js';

describe('redactSecrets', () => {
  it('removes OpenAI-style sk- keys, keeping the prefix as a hint', () => {
    const out = redactSecrets('Incorrect API key provided: sk-proj-AbC123xyz_456-789.');
    expect(out).toBe('Incorrect API key provided: sk-[REDACTED].');
  });

  it('removes Google AIza keys and AWS access key ids', () => {
    const google = 'AIzaSyA1234567890abcdefghijKLMNOPQRS';
    const aws = 'AKIAIOSFODNN7EXAMPLE';
    const temp = 'ASIAIOSFODNN7EXAMPLE';
    const out = redactSecrets(`google ${google} aws ${aws} sts ${temp}`);
    expect(out).not.toContain(google);
    expect(out).not.toContain(aws);
    expect(out).not.toContain(temp);
    expect(out).toBe('google [REDACTED] aws [REDACTED] sts [REDACTED]');
  });

  it('removes bearer and basic tokens', () => {
    expect(redactSecrets('Authorization: Bearer eyJhbGciOi.JIUzI1.NiJ9')).toBe(
      'Authorization: Bearer [REDACTED]',
    );
    expect(redactSecrets('authorization: basic dXNlcjpwYXNz')).toBe('authorization: basic [REDACTED]');
  });

  it('leaves the placeholders of help text alone', () => {
    const help = 'Missing API key: send Authorization: Bearer <key> (or x-api-key: <key>).';
    expect(redactSecrets(help)).toBe(help);
    for (const placeholder of ['<token>', '$OPENAI_API_KEY', 'YOUR_API_KEY', '…']) {
      expect(redactSecrets(`Authorization: Bearer ${placeholder}`)).toBe(
        `Authorization: Bearer ${placeholder}`,
      );
    }
    // A real value next to the placeholder-looking word is still removed.
    expect(redactSecrets('Authorization: Bearer <abc123def456ghi')).toBe('Authorization: Bearer [REDACTED]');
  });

  it('removes ?key= and presigned-URL signature query parameters but keeps the rest of the URL', () => {
    const url =
      'https://generativelanguage.googleapis.com/v1beta/models/x:generateContent?key=secretvalue123&alt=json';
    expect(redactSecrets(url)).toBe(
      'https://generativelanguage.googleapis.com/v1beta/models/x:generateContent?key=[REDACTED]&alt=json',
    );
    const presigned =
      'https://bucket.s3.amazonaws.com/a.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=abc%2F2025&X-Amz-Signature=deadbeefcafe';
    const out = redactSecrets(presigned);
    expect(out).not.toContain('deadbeefcafe');
    expect(out).not.toContain('abc%2F2025');
    expect(out).toContain('X-Amz-Algorithm=AWS4-HMAC-SHA256');
    expect(out).toContain('X-Amz-Signature=[REDACTED]');
  });

  it('removes JSON credential fields whatever the value looks like', () => {
    const body = JSON.stringify({ api_key: 'plain-looking-value', model: 'm', password: 'hunter22' });
    const out = redactSecrets(body);
    expect(out).toBe('{"api_key":"[REDACTED]","model":"m","password":"[REDACTED]"}');
    expect(redactSecrets('{ "api-key" : "v4lue" }')).toBe('{ "api-key" : "[REDACTED]" }');
  });

  it('removes header-form credentials (x-goog-api-key: …, x-api-key=…)', () => {
    expect(redactSecrets('x-goog-api-key: not-a-known-shape-123')).toBe('x-goog-api-key: [REDACTED]');
    expect(redactSecrets('X-API-KEY=abcdef; other=1')).toBe('X-API-KEY=[REDACTED]; other=1');
  });

  it('removes SigV4 credential and signature pieces', () => {
    const header =
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcdef0123';
    const out = redactSecrets(header);
    expect(out).not.toContain('AKIDEXAMPLE');
    expect(out).not.toContain('abcdef0123');
    expect(out).toContain('Credential=[REDACTED]');
    expect(out).toContain('Signature=[REDACTED]');
  });

  it('removes PEM private keys, including multi-line ones', () => {
    const pem =
      '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nabc\n-----END PRIVATE KEY-----';
    const out = redactSecrets(`before ${pem} after`);
    expect(out).toBe('before [REDACTED] after');
    const rsa = '-----BEGIN RSA PRIVATE KEY-----\\nMIIabc\\n-----END RSA PRIVATE KEY-----';
    expect(redactSecrets(rsa)).toBe('[REDACTED]');
  });

  it('removes each explicit secret, escaping regex characters, ignoring very short ones', () => {
    const out = redactSecrets('key=a.b*c(d) and again a.b*c(d); also abc', ['a.b*c(d)', 'abc', undefined]);
    expect(out).toBe('key=[REDACTED] and again [REDACTED]; also abc');
    // "abc" is under four characters: ignored so that ordinary words survive.
    expect(redactSecrets('the abc of it', ['abc'])).toBe('the abc of it');
  });

  it('turns data URLs into a size note', () => {
    const payload = Buffer.alloc(300, 7).toString('base64'); // 400 chars → 300 bytes
    const out = redactSecrets(`{"url":"data:image/png;base64,${payload}"}`);
    expect(out).toBe('{"url":"data:image/png;base64,[300 bytes omitted]"}');
  });

  it('turns long base64 runs into a size note but keeps short ones', () => {
    const long = Buffer.alloc(600, 1).toString('base64'); // 800 chars
    const out = redactSecrets(`{"b64_json":"${long}"}`);
    expect(out).toBe('{"b64_json":"[base64 omitted, ~600 bytes]"}');
    const short = 'QUJDREVGR0g=';
    expect(redactSecrets(`id ${short}`)).toBe(`id ${short}`);
  });

  it('leaves ordinary text alone', () => {
    const text = 'Invalid value for size: 999x999. Supported: 1024x1024, auto (request id req_123).';
    expect(redactSecrets(text)).toBe(text);
  });
});

describe('redactSecrets: ordinary text', () => {
  it('leaves the English word "basic" alone but not a Basic credential', () => {
    expect(redactSecrets('a basic example of a basic setting')).toBe('a basic example of a basic setting');
    expect(redactSecrets('sent Basic dXNlcjpwYXNzd29yZA== upstream')).toBe('sent Basic [REDACTED] upstream');
  });
});

describe('redactAndTruncate', () => {
  it('keeps short text intact (after redaction)', () => {
    expect(redactAndTruncate('error sk-abcdef123456', [])).toBe('error sk-[REDACTED]');
  });

  it('cuts text to maxChars and says how much was cut', () => {
    const out = redactAndTruncate('x'.repeat(150), [], 100);
    expect(out).toBe(`${'x'.repeat(100)}…[truncated 50 chars]`);
  });

  it('defaults to MAX_UPSTREAM_BODY_CHARS', () => {
    const out = redactAndTruncate('y '.repeat(MAX_UPSTREAM_BODY_CHARS), []);
    expect(out.startsWith('y '.repeat(MAX_UPSTREAM_BODY_CHARS / 2))).toBe(true);
    expect(out).toMatch(/…\[truncated 2000 chars\]$/);
  });

  it('redacts before cutting, so a secret straddling the cut never leaks in part', () => {
    const secret = 'my-very-long-secret-value';
    const text = `${'a '.repeat(45)}${secret} tail`;
    const out = redactAndTruncate(text, [secret], 100);
    expect(out).not.toContain('my-very');
    expect(out).toContain('[REDACTED]');
  });
});
