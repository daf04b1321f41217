/**
 * Per-deployment `litellm_params.drop_params` and `response_format`, and the `b64_json` default on
 * every model (URL-native ones included).
 */
import { describe, expect, it } from '@jest/globals';
import { getMeta, UnsupportedParamsError } from '@retouch/core';
import { edit, hits, openai } from './test-support/harness.js';
import { a, b, useTestbed } from './test-support/testbed.js';

const router = useTestbed();

describe('response_format', () => {
  it('defaults to b64_json on a URL-native model (dall-e-2), as on every other', async () => {
    const r = await router({ model_list: [openai(a, 'dalle', 'dall-e-2', { model: 'dall-e-2' })] });
    const response = await r.imageEdit(edit('dall-e-2'));
    expect(response.data[0]?.b64_json).toEqual(expect.any(String));
    expect(response.data[0]?.url).toBeUndefined();
    // dall-e-2 is told so, instead of answering with a URL that would then be downloaded.
    expect(a.requests.at(-1)?.fields?.response_format).toEqual(['b64_json']);
  });

  it("a deployment's response_format is the default of requests that name none; the request's own wins", async () => {
    const r = await router({
      model_list: [openai(a, 'a', 'gpt-image-1', { response_format: 'url' })],
    });
    const byDeployment = await r.imageEdit(edit('gpt-image-1'));
    expect(byDeployment.data[0]?.url).toMatch(/^data:image\/png;base64,/);
    const byRequest = await r.imageEdit(edit('gpt-image-1', { response_format: 'b64_json' }));
    expect(byRequest.data[0]?.b64_json).toEqual(expect.any(String));
  });
});

describe('drop_params', () => {
  it("a deployment's drop_params drops with a warning; a deployment without it refuses, naming the param", async () => {
    const r = await router({
      model_list: [openai(a, 'lenient', 'lenient', { drop_params: true }), openai(b, 'strict', 'strict')],
    });
    const response = await r.imageEdit(edit('lenient', { seed: 7 }));
    expect(getMeta(response).warnings).toContain('dropped seed: openai/gpt-image-1 does not support it');
    expect(a.requests.at(-1)?.fields?.seed).toBeUndefined();

    const refused = await r.imageEdit(edit('strict', { seed: 7 })).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UnsupportedParamsError);
    expect(refused).toMatchObject({ param: 'seed' });
    expect(hits(b)).toBe(0);
  });

  it("the request's drop_params: false wins over the deployment's, and the router's default fills in", async () => {
    const r = await router({
      model_list: [openai(a, 'lenient', 'lenient', { drop_params: true }), openai(b, 'plain', 'plain')],
      drop_params: true,
    });
    await expect(r.imageEdit(edit('lenient', { seed: 7, drop_params: false }))).rejects.toBeInstanceOf(
      UnsupportedParamsError,
    );
    const byRouter = await r.imageEdit(edit('plain', { seed: 7 }));
    expect(getMeta(byRouter).warnings).toContain('dropped seed: openai/gpt-image-1 does not support it');
  });
});
