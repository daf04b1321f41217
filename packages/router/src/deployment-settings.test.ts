/**
 * Per-deployment `litellm_params.drop_params` and `response_format`, and the `b64_json` default on
 * every model (URL-native ones included).
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  AuthenticationError,
  getMeta,
  registerProvider,
  UnsupportedParamsError,
  unregisterProvider,
} from '@retouch/core';
import { DeploymentMisconfiguredError } from './errors.js';
import { edit, hits, openai, sentAnyway } from './test-support/harness.js';
import { a, b, useTestbed } from './test-support/testbed.js';

const router = useTestbed();

describe('response_format', () => {
  it('defaults to b64_json on a URL-native model (dall-e-2), as on every other', async () => {
    // dall-e-2 (shut down 2026-05-12) is OpenAI's URL-native model; sent anyway here.
    const r = await router({
      model_list: [sentAnyway(openai(a, 'dalle', 'dall-e-2', { model: 'dall-e-2' }))],
    });
    const response = await r.imageEdit(edit('dall-e-2'));
    expect(response.data[0]?.b64_json).toEqual(expect.any(String));
    expect(response.data[0]?.url).toBeUndefined();
    // dall-e-2 is told so, instead of answering with a URL that would then be downloaded.
    expect(a.requests.at(-1)?.fields?.response_format).toEqual(['b64_json']);
  });

  it("a deployment's response_format is the default of requests that name none; the request's own wins", async () => {
    const r = await router({
      model_list: [openai(a, 'a', 'gpt-image-2', { response_format: 'url' })],
    });
    const byDeployment = await r.imageEdit(edit('gpt-image-2'));
    expect(byDeployment.data[0]?.url).toMatch(/^data:image\/png;base64,/);
    const byRequest = await r.imageEdit(edit('gpt-image-2', { response_format: 'b64_json' }));
    expect(byRequest.data[0]?.b64_json).toEqual(expect.any(String));
  });
});

describe('drop_params', () => {
  it("a deployment's drop_params drops with a warning; a deployment without it refuses, naming the param", async () => {
    const r = await router({
      model_list: [openai(a, 'lenient', 'lenient', { drop_params: true }), openai(b, 'strict', 'strict')],
    });
    const response = await r.imageEdit(edit('lenient', { seed: 7 }));
    expect(getMeta(response).warnings).toContain('dropped seed: openai/gpt-image-2 does not support it');
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
    expect(getMeta(byRouter).warnings).toContain('dropped seed: openai/gpt-image-2 does not support it');
  });
});

describe('a deployment without its upstream key', () => {
  const saved = process.env.OPENAI_API_KEY;
  beforeEach(() => {
    delete process.env.OPENAI_API_KEY;
  });
  afterEach(() => {
    if (saved !== undefined) process.env.OPENAI_API_KEY = saved;
  });

  it('is a 500 naming the deployment and what it lacks, not a 401 blaming the caller, and nothing is sent', async () => {
    const r = await router({ model_list: [openai(a, 'keyless', 'gpt-image-2', { api_key: undefined })] });
    const error = (await r
      .imageEdit(edit('gpt-image-2'))
      .catch((e: unknown) => e)) as DeploymentMisconfiguredError;
    expect(error).toBeInstanceOf(DeploymentMisconfiguredError);
    expect(error).toMatchObject({ status: 500, code: 'deployment_misconfigured', isRetryable: false });
    expect(error.message).toContain(
      'deployment keyless (model group gpt-image-2): openai: no API key. Set OPENAI_API_KEY',
    );
    expect(error.message).not.toMatch(/your (api )?key is/i);
    expect(hits(a)).toBe(0);
  });

  it('is skipped while another deployment of the group has its key, and shows as unhealthy with the reason', async () => {
    const r = await router({
      model_list: [openai(a, 'keyless', 'gpt-image-2', { api_key: undefined }), openai(b, 'keyed')],
    });
    for (let i = 0; i < 5; i++)
      expect(getMeta(await r.imageEdit(edit('gpt-image-2'))).deploymentId).toBe('keyed');
    expect(hits(a)).toBe(0);
    const [keyless, keyed] = await r.deployments();
    expect(keyless).toMatchObject({ id: 'keyless', index: 0, healthy: false });
    expect(keyless?.misconfigured).toMatch(/^openai: no API key/);
    expect(keyed).toMatchObject({ id: 'keyed', healthy: true, misconfigured: undefined });
    // Set later (the key is read per call), it serves.
    process.env.OPENAI_API_KEY = 'sk-test-simulator';
    expect((await r.deployments())[0]?.healthy).toBe(true);
  });

  it('a provider that only finds out when called (no configurationProblem) gets the same 500, naming the deployment', async () => {
    registerProvider({
      prefix: 'keyless',
      create: () => ({
        id: 'keyless',
        capabilities: () => ({
          maxImages: 1,
          mask: 'none',
          maxN: 1,
          inputMediaTypes: ['image/png'],
          params: [],
          nativeResponseFormat: 'b64_json',
        }),
        models: () => ['m'],
        imageEdit: async () => {
          throw new AuthenticationError({
            message: 'keyless: no API key. Set KEYLESS_KEY.',
            code: 'missing_api_key',
          });
        },
      }),
    });
    try {
      const r = await router({
        model_list: [{ model_name: 'k', litellm_params: { model: 'keyless/m' }, model_info: { id: 'k1' } }],
      });
      const error = (await r.imageEdit(edit('k')).catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(DeploymentMisconfiguredError);
      expect(error.message).toContain('deployment k1 (model group k): keyless: no API key. Set KEYLESS_KEY.');
    } finally {
      unregisterProvider('keyless');
    }
  });
});

describe('a deployment whose upstream refuses its key', () => {
  it("answers 500 deployment_misconfigured naming the deployment, not the upstream's 401", async () => {
    const r = await router({
      model_list: [openai(a, 'wrong-key', 'gpt-image-1', { api_key: 'sk-revoked-0123456789' })],
    });
    const error = (await r
      .imageEdit(edit('gpt-image-1'))
      .catch((e: unknown) => e)) as DeploymentMisconfiguredError;
    expect(error).toBeInstanceOf(DeploymentMisconfiguredError);
    expect(error).toMatchObject({ status: 500, code: 'deployment_misconfigured', isRetryable: false });
    expect(error.message).toContain(
      "deployment wrong-key (model group gpt-image-1): openai refused the deployment's credentials (HTTP 401); check its api_key",
    );
    expect(error.message).toContain('check its api_key');
    expect(error.message).not.toContain('sk-revoked-0123456789');
    expect(error.deployments).toEqual([
      { deploymentId: 'wrong-key', modelGroup: 'gpt-image-1', problem: expect.stringContaining('401') },
    ]);
    expect((error.cause as { status?: number }).status).toBe(401);
    expect(hits(a)).toBe(1);
  });

  it('still moves on to a deployment whose key works, and cools the refused one down', async () => {
    const r = await router({
      model_list: [
        openai(a, 'wrong-key', 'gpt-image-1', { api_key: 'sk-revoked-0123456789', order: 1 }),
        openai(b, 'good-key', 'gpt-image-1', { order: 2 }),
      ],
    });
    const served = await r.imageEdit(edit('gpt-image-1'));
    expect(getMeta(served)).toMatchObject({ deploymentId: 'good-key', attempts: 2 });
    expect((await r.deployments()).find((d) => d.id === 'wrong-key')?.healthy).toBe(false);
  });
});

describe('litellm_params keys nothing reads', () => {
  it('are config warnings naming the key path and the nearest known key; known keys are not', async () => {
    const r = await router({
      model_list: [
        openai(a, 'typo', 'gpt-image-2', {
          api_bse: 'http://127.0.0.1:9/v1',
          organization: 'org-1',
          weight: 2,
        }),
        openai(b, 'clean', 'gpt-image-2', { drop_params: true, output_cost_per_image: 0.04 }),
      ],
    });
    expect(r.configWarnings()).toEqual([
      {
        path: 'model_list[0].litellm_params.api_bse',
        message: expect.stringMatching(
          /^unknown key for the openai provider \(did you mean api_base\?\), ignored\. openai reads api_key, api_base, organization, extra_headers; the router reads model, weight/,
        ),
      },
    ]);
  });

  it('are accepted from a provider package that does not list its settings', async () => {
    const r = await router({
      model_list: [
        { model_name: 'acme', litellm_params: { model: 'acme/basic', anything: 1 }, model_info: { id: 'x' } },
      ],
    });
    expect(r.configWarnings()).toEqual([]);
  });
});

describe('model_info keys nothing reads', () => {
  it('are config warnings naming the key path and the nearest known key; known keys are not', async () => {
    // A typo, and a key of LiteLLM's chat models: neither is applied, so neither passes silently.
    const typo = { id: 'typo', supports_mak: true, max_tokens: 4096, output_cost_per_image: 0.05 };
    const clean = { id: 'clean', supports_mask: true, max_input_images: 4, cooldown_time: 5 };
    const r = await router({
      model_list: [
        { ...openai(a, 'typo', 'gpt-image-2'), model_info: typo },
        { ...openai(b, 'clean', 'gpt-image-2'), model_info: clean },
      ],
    });
    const byPath = (x: { path: string }, y: { path: string }) => x.path.localeCompare(y.path);
    expect([...r.configWarnings()].sort(byPath)).toEqual([
      { path: 'model_list[0].model_info.max_tokens', message: 'unknown or unsupported key, ignored' },
      {
        path: 'model_list[0].model_info.supports_mak',
        message: 'unknown or unsupported key (did you mean supports_mask?), ignored',
      },
    ]);
  });
});
