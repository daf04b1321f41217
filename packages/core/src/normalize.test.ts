import { describe, expect, it, jest } from '@jest/globals';
import { PNG } from 'pngjs';
import { BadGatewayError } from './errors.js';
import { getMeta, type ResponseMeta, toOpenAIResponse, withMeta } from './normalize.js';
import type { ProviderImageEditResult } from './provider.js';

const PNG_BYTES = PNG.sync.write(new PNG({ width: 2, height: 2 }));
const PNG_B64 = PNG_BYTES.toString('base64');
const GIF_BYTES = Uint8Array.from([...Buffer.from('GIF89a'), 1, 0, 1, 0, 0, 0, 0, 0x3b]);

const opts = (responseFormat: 'url' | 'b64_json') => ({
  responseFormat,
  signal: new AbortController().signal,
  provider: 'acme',
  model: 'edit-1',
});

function result(patch: Partial<ProviderImageEditResult>): ProviderImageEditResult {
  return { images: [], warnings: [], ...patch };
}

describe('toOpenAIResponse: b64_json', () => {
  it('passes base64 through as is', async () => {
    const response = await toOpenAIResponse(result({ images: [{ b64: PNG_B64 }] }), opts('b64_json'));
    expect(response.data).toEqual([{ b64_json: PNG_B64 }]);
    expect(typeof response.created).toBe('number');
    expect(response.created).toBeGreaterThan(1_600_000_000);
    expect(Number.isInteger(response.created)).toBe(true);
  });

  it('encodes bytes, including a view into a larger buffer', async () => {
    const big = Buffer.concat([Buffer.from('junk'), PNG_BYTES]);
    const response = await toOpenAIResponse(
      result({ images: [{ bytes: big.subarray(4) }] }),
      opts('b64_json'),
    );
    expect(response.data[0]?.b64_json).toBe(PNG_B64);
  });

  it('downloads a URL through the provider downloader with the call signal', async () => {
    const download = jest.fn(async (_url: string, _signal: AbortSignal) => new Uint8Array(PNG_BYTES));
    const options = opts('b64_json');
    const response = await toOpenAIResponse(
      result({ images: [{ url: 'https://cdn.acme.example/r/1.png' }], download }),
      options,
    );
    expect(response.data[0]?.b64_json).toBe(PNG_B64);
    expect(download).toHaveBeenCalledWith('https://cdn.acme.example/r/1.png', options.signal);
  });

  it('decodes a data: URL without any download', async () => {
    const download = jest.fn(async () => new Uint8Array());
    const response = await toOpenAIResponse(
      result({ images: [{ url: `data:image/png;base64,${PNG_B64}` }], download }),
      opts('b64_json'),
    );
    expect(response.data[0]?.b64_json).toBe(PNG_B64);
    expect(download).not.toHaveBeenCalled();
  });

  it('falls back to the SSRF-guarded fetcher, which refuses a private result host', async () => {
    const error = await toOpenAIResponse(
      result({ images: [{ url: 'http://127.0.0.1:9/secret.png' }] }),
      opts('b64_json'),
    ).catch((e: unknown) => e);
    // The caller's request was fine: an unfetchable provider result is the upstream's fault (502).
    expect(error).toBeInstanceOf(BadGatewayError);
    expect((error as Error).message).toMatch(
      /could not download the result image: result: refusing to fetch 127\.0\.0\.1/,
    );
    // The edit was made and billed: not retried.
    expect(error).toMatchObject({ reachedUpstream: true, isRetryable: false });
  });
});

describe('toOpenAIResponse: url', () => {
  it('passes a provider URL through', async () => {
    const download = jest.fn(async () => new Uint8Array());
    const response = await toOpenAIResponse(
      result({ images: [{ url: 'https://cdn.acme.example/r/1.png' }], download }),
      opts('url'),
    );
    expect(response.data).toEqual([{ url: 'https://cdn.acme.example/r/1.png' }]);
    expect(download).not.toHaveBeenCalled();
  });

  it('turns base64 into a data: URL with the given media type', async () => {
    const response = await toOpenAIResponse(
      result({ images: [{ b64: PNG_B64, mediaType: 'image/webp' }] }),
      opts('url'),
    );
    expect(response.data[0]?.url).toBe(`data:image/webp;base64,${PNG_B64}`);
  });

  it('sniffs the media type of bytes for the data: URL', async () => {
    const response = await toOpenAIResponse(result({ images: [{ bytes: GIF_BYTES }] }), opts('url'));
    expect(response.data[0]?.url).toBe(`data:image/gif;base64,${Buffer.from(GIF_BYTES).toString('base64')}`);
  });
});

describe('toOpenAIResponse: the rest of the response', () => {
  it('keeps revised prompts, echo fields and usage, in order of the images', async () => {
    const usage = { input_tokens: 10, output_tokens: 20, total_tokens: 30 };
    const response = await toOpenAIResponse(
      result({
        images: [{ b64: 'QQ==', revisedPrompt: 'a red cat' }, { bytes: PNG_BYTES }],
        usage,
        echo: { size: '1024x1024', quality: 'high', background: 'opaque', output_format: 'png' },
      }),
      opts('b64_json'),
    );
    expect(response).toEqual({
      created: response.created,
      data: [{ b64_json: 'QQ==', revised_prompt: 'a red cat' }, { b64_json: PNG_B64 }],
      usage,
      size: '1024x1024',
      quality: 'high',
      background: 'opaque',
      output_format: 'png',
    });
  });

  it('leaves out echo fields and usage the provider did not give', async () => {
    const response = await toOpenAIResponse(result({ images: [{ b64: 'QQ==' }] }), opts('b64_json'));
    expect(Object.keys(response).sort()).toEqual(['created', 'data']);
  });

  it('skips images with nothing in them and fails with BadGatewayError when none is left', async () => {
    const some = await toOpenAIResponse(result({ images: [{}, { b64: 'QQ==' }] }), opts('b64_json'));
    expect(some.data).toEqual([{ b64_json: 'QQ==' }]);
    for (const images of [[], [{ revisedPrompt: 'x' }]]) {
      const error = await toOpenAIResponse(result({ images }), opts('b64_json')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BadGatewayError);
      expect((error as BadGatewayError).message).toBe('acme/edit-1 returned no image');
      expect((error as BadGatewayError).provider).toBe('acme');
    }
  });
});

describe('withMeta / getMeta', () => {
  const meta: ResponseMeta = {
    provider: 'acme',
    model: 'edit-1',
    costUsd: null,
    latencyMs: 12,
    attempts: 1,
    warnings: ['w'],
  };

  it('attaches _meta without changing the JSON shape', async () => {
    const response = withMeta({ created: 1, data: [{ b64_json: 'QQ==' }] }, meta);
    expect(getMeta(response)).toBe(meta);
    expect(response._meta).toBe(meta);
    expect(JSON.stringify(response)).toBe('{"created":1,"data":[{"b64_json":"QQ=="}]}');
    expect(Object.keys(response)).toEqual(['created', 'data']);
    expect({ ...response }).not.toHaveProperty('_meta');
  });

  it('replaces _meta when set again (the router updates attempts)', () => {
    const response = withMeta({ created: 1, data: [] }, meta);
    withMeta(response, { ...meta, attempts: 3 });
    expect(getMeta(response).attempts).toBe(3);
    expect(() => {
      (response as unknown as { _meta: unknown })._meta = {};
    }).toThrow(TypeError);
  });

  it('getMeta is undefined for a plain response', () => {
    expect(getMeta({ created: 1, data: [] })).toBeUndefined();
  });
});
