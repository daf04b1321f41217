import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Harness, IMAGE, type Part, postForm, startHarness } from './test-support/harness.js';
import { headerString, MAX_WARNINGS_HEADER_BYTES, warningsHeader } from './warning-header.js';

/** Reads an RFC 8941 list of strings back. */
function parseList(value: string): string[] {
  return [...value.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] ?? '').replace(/\\(.)/g, '$1'));
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const edit = (extra: Part[] = []): Part[] => [
  { name: 'model', value: 'gpt-image-2' },
  { name: 'prompt', value: 'x' },
  { name: 'image', file: IMAGE },
  ...extra,
];

describe('warnings reach the caller', () => {
  it('with drop_params the caller reads what was dropped, and the log line has the same texts', async () => {
    const response = await postForm(
      h.url,
      edit([
        { name: 'drop_params', value: 'true' },
        { name: 'seed', value: '7' },
        { name: 'negative_prompt', value: 'blur' },
      ]),
    );
    expect(response.status).toBe(200);
    const warnings = parseList(response.headers.get('x-retouch-warnings') ?? '');
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^dropped seed: openai\/gpt-image-2 does not support it/),
        expect.stringMatching(/^dropped negative_prompt: openai\/gpt-image-2 does not support it/),
      ]),
    );
    expect(Number(response.headers.get('x-retouch-warning-count'))).toBe(warnings.length);
    // The upstream never saw the dropped fields.
    const sent = Object.keys(h.sim.requests.at(-1)?.fields ?? {});
    expect(sent).toContain('prompt');
    expect(sent).not.toContain('seed');
    expect(sent).not.toContain('negative_prompt');
    const id = response.headers.get('x-request-id');
    const line = h.logs.map((l) => JSON.parse(l)).find((l) => l.reqId === id && l.msg === 'request');
    expect(line?.warnings).toEqual(expect.arrayContaining(warnings));
  });

  it('without drop_params the same request is a 400 naming the parameter', async () => {
    const response = await postForm(h.url, edit([{ name: 'seed', value: '7' }]));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { param: string } }).error.param).toBe('seed');
  });

  it('a call without warnings sends neither header', async () => {
    const response = await postForm(h.url, edit());
    expect(response.status).toBe(200);
    expect(response.headers.get('x-retouch-warnings')).toBeNull();
    expect(response.headers.get('x-retouch-warning-count')).toBeNull();
  });
});

describe('the warnings header', () => {
  it('is printable ASCII with quotes escaped and no line breaks, whatever the text', () => {
    const value = headerString('size 1536×1024 → "1024x1024"…\r\nx-injected: yes ☃');
    expect(value).toBe('"size 1536x1024 -> \\"1024x1024\\"...  x-injected: yes ?"');
    expect(value).toMatch(/^[\x20-\x7e]+$/);
    expect(parseList(value)).toEqual(['size 1536x1024 -> "1024x1024"...  x-injected: yes ?']);
  });

  it('is bounded: long warnings are cut and the ones that do not fit are counted', () => {
    const many = Array.from({ length: 40 }, (_, i) => `warning ${i}: ${'x'.repeat(400)}`);
    const value = warningsHeader(many) as string;
    expect(Buffer.byteLength(value)).toBeLessThanOrEqual(MAX_WARNINGS_HEADER_BYTES);
    const entries = parseList(value);
    expect(entries[0]).toMatch(/^warning 0: x+\.\.\.$/);
    expect(entries[0]?.length).toBe(300);
    const last = entries.at(-1) as string;
    expect(last).toBe(`and ${40 - (entries.length - 1)} more (in the proxy log of this request id)`);
    expect(warningsHeader([])).toBeUndefined();
  });
});
