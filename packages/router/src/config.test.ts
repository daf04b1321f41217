import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { registerProvider, unregisterProvider } from '@retouch/core';
import { parseRouterOptions, RouterConfigError } from './config.js';
import { deploymentHash } from './deployments.js';
import { Router } from './router.js';
import type { RouterOptions } from './types.js';

function issuesOf(options: unknown): { path: string; message: string }[] {
  try {
    parseRouterOptions(options as RouterOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(RouterConfigError);
    return [...(error as RouterConfigError).issues];
  }
  throw new Error('expected the options to be rejected');
}

async function createError(options: RouterOptions): Promise<RouterConfigError> {
  const error = await Router.create(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RouterConfigError);
  return error as RouterConfigError;
}

describe('parseRouterOptions', () => {
  it('accepts a LiteLLM config.yaml model_list and router_settings as they are', () => {
    // model_list + router_settings of a LiteLLM config.yaml, after YAML parsing.
    const parsed = parseRouterOptions({
      model_list: [
        {
          model_name: 'gpt-image-2',
          litellm_params: { model: 'openai/gpt-image-2', api_key: 'sk-a', rpm: 60, weight: 3, timeout: 120 },
          model_info: { id: 'east', mode: 'image_edit', output_cost_per_image: 0.04 },
        },
        {
          model_name: 'gemini-edit',
          litellm_params: { model: 'gemini/gemini-2.5-flash-image', api_key: 'g', order: 2 },
        },
        {
          model_name: 'vertex-edit',
          litellm_params: {
            model: 'vertex_ai/imagen-3.0-capability-001',
            vertex_project: 'p',
            vertex_location: 'us-central1',
            vertex_credentials: '/secrets/sa.json',
          },
        },
      ],
      routing_strategy: 'usage-based-routing-v2',
      fallbacks: [{ 'gpt-image-2': ['gemini-edit'] }],
      default_fallbacks: ['gemini-edit'],
      content_policy_fallbacks: [{ 'gpt-image-2': ['vertex-edit'] }],
      num_retries: 3,
      retry_after: 1,
      allowed_fails: 2,
      cooldown_time: 30,
      timeout: 300,
      enable_pre_call_checks: true,
    });
    expect(parsed.model_list).toHaveLength(3);
    expect(parsed.model_list[0]?.litellm_params.weight).toBe(3);
  });

  it('names the key path of a missing model', () => {
    const issues = issuesOf({
      model_list: [
        { model_name: 'a', litellm_params: { model: 'gpt-image-2' } },
        { model_name: 'b', litellm_params: { model: 'gpt-image-2' } },
        { model_name: 'c', litellm_params: { api_key: 'x' } },
      ],
    });
    expect(issues).toEqual([{ path: 'model_list[2].litellm_params.model', message: expect.any(String) }]);
  });

  it('names bad values, unknown keys and wrong strategies, all at once', () => {
    const issues = issuesOf({
      model_list: [{ model_name: 'a', litellm_params: { model: 'gpt-image-2', weight: -1 }, modelinfo: {} }],
      routing_strategy: 'round-robin',
      num_retires: 2,
    });
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'model_list[0].litellm_params.weight',
        'model_list[0].modelinfo',
        'routing_strategy',
        'num_retires',
      ]),
    );
    expect(issues.find((i) => i.path === 'num_retires')?.message).toBe('unknown key "num_retires"');
  });

  it('checks fallbacks name known groups, and deployment ids are unique', () => {
    const issues = issuesOf({
      model_list: [
        { model_name: 'a', litellm_params: { model: 'gpt-image-2' }, model_info: { id: 'x' } },
        { model_name: 'b', litellm_params: { model: 'gpt-image-2' }, model_info: { id: 'x' } },
      ],
      fallbacks: [{ a: ['b', 'nope'] }, { ghost: ['a'] }],
      default_fallbacks: ['zzz'],
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        {
          path: 'model_list[1].model_info.id',
          message: expect.stringContaining('duplicate deployment id "x"'),
        },
        { path: 'fallbacks[0].a[1]', message: expect.stringContaining('unknown model group "nope"') },
        { path: 'fallbacks[1].ghost', message: expect.stringContaining('unknown model group "ghost"') },
        { path: 'default_fallbacks[0]', message: expect.stringContaining('"zzz"') },
      ]),
    );
  });

  it('requires a non-empty model_list', () => {
    expect(issuesOf({ model_list: [] })[0]?.path).toBe('model_list');
    expect(issuesOf({})[0]?.path).toBe('model_list');
  });
});

describe('building deployments', () => {
  beforeAll(() => registerProvider('ghost', '@retouch/provider-ghost'));
  afterAll(() => unregisterProvider('ghost'));

  it('fails at startup naming the provider package that is not installed', async () => {
    const error = await createError({
      model_list: [
        { model_name: 'ok', litellm_params: { model: 'gpt-image-2' } },
        { model_name: 'ghost', litellm_params: { model: 'ghost/edit-1' } },
      ],
    });
    expect(error.path).toBe('model_list[1].litellm_params.model');
    expect(error.message).toContain('@retouch/provider-ghost');
    expect(error.message).toContain('not installed');
  });

  it('skips, with a warning, a model no provider serves and an unknown prefix; fails when none is left', async () => {
    const error = await createError({
      model_list: [
        { model_name: 'a', litellm_params: { model: 'gpt-4o' } },
        { model_name: 'b', litellm_params: { model: 'openai/gpt-imagine' } },
      ],
    });
    expect(error.issues.map((i) => i.path)).toEqual([
      'model_list[0].litellm_params.model',
      'model_list[1].litellm_params.model',
      'model_list',
    ]);
    expect(error.issues[0]?.message).toContain('Deployment skipped');
    expect(error.issues[1]?.message).toContain('current: gpt-image-2.6-sunburst');
    expect(error.issues[1]?.message).toContain('deployment skipped');
    expect(error.issues[2]?.message).toBe('no deployment is an image model retouch can serve');
  });

  it('serves the image deployments of a shared config and skips its chat models with a warning', async () => {
    const router = await Router.create({
      model_list: [
        { model_name: 'chat', litellm_params: { model: 'gpt-4o' } },
        { model_name: 'edit', litellm_params: { model: 'gpt-image-2' } },
      ],
    });
    expect(router.modelGroups()).toEqual(['edit']);
    expect(router.configWarnings()).toEqual([
      expect.objectContaining({ path: 'model_list[0].litellm_params.model' }),
    ]);
    await router.close();
  });

  it('leaves deployments of other modes out (a shared LiteLLM config with chat models)', async () => {
    const router = await Router.create({
      model_list: [
        { model_name: 'chat', litellm_params: { model: 'anthropic/claude-x' }, model_info: { mode: 'chat' } },
        { model_name: 'edit', litellm_params: { model: 'gpt-image-2' }, model_info: { mode: 'image_edit' } },
      ],
    });
    expect(router.modelGroups()).toEqual(['edit']);
    expect(router.configWarnings()).toEqual([
      {
        path: 'model_list[0].model_info.mode',
        message: '"chat" is not an image mode (image_edit, image_generation): deployment skipped',
      },
    ]);
    await router.close();
  });

  it('gives deployments without model_info.id a stable hash id, unique for repeats', async () => {
    const config = { model_name: 'edit', litellm_params: { model: 'gpt-image-2', api_key: 'k', weight: 1 } };
    const reordered = {
      model_name: 'edit',
      litellm_params: { weight: 1, api_key: 'k', model: 'gpt-image-2' },
    };
    expect(deploymentHash(config)).toBe(deploymentHash(reordered));
    expect(deploymentHash(config)).toMatch(/^[0-9a-f]{16}$/);
    const router = await Router.create({ model_list: [config, config] });
    const ids = (await router.deployments()).map((d) => d.id);
    expect(ids).toEqual([deploymentHash(config), `${deploymentHash(config)}-2`]);
    await router.close();
  });
});
