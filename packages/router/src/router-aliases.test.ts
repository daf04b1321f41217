import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getMeta } from '@retouch/core';
import { type Simulator, startOpenAISimulator } from '@retouch/testing';
import { RouterConfigError } from './config.js';
import { Router } from './router.js';
import { edit, openai } from './test-support/harness.js';

describe('model group aliases', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startOpenAISimulator();
  });
  afterAll(() => sim.close());

  it('serves model_group_alias (visible and hidden) and model_alias_map on their group', async () => {
    const router = await Router.create({
      model_list: [openai(sim, 'east')],
      model_group_alias: { 'image-edit': 'gpt-image-2', secret: { model: 'gpt-image-2', hidden: true } },
      model_alias_map: { 'old-name': 'gpt-image-2', 'image-edit': 'nowhere-but-overridden' as never },
    }).catch((e: unknown) => e);
    // model_alias_map names a group that does not exist: the options are refused, naming it.
    expect(router).toBeInstanceOf(RouterConfigError);
    expect((router as RouterConfigError).issues).toEqual([
      expect.objectContaining({
        path: 'model_alias_map.image-edit',
        message: expect.stringContaining('names no model group'),
      }),
    ]);

    const ok = await Router.create({
      model_list: [openai(sim, 'east')],
      model_group_alias: { 'image-edit': 'gpt-image-2', secret: { model: 'gpt-image-2', hidden: true } },
      model_alias_map: { 'old-name': 'gpt-image-2' },
    });
    try {
      for (const name of ['image-edit', 'secret', 'old-name']) {
        const meta = getMeta(await ok.imageEdit(edit(name)));
        expect(meta).toMatchObject({ modelGroup: 'gpt-image-2', deploymentId: 'east' });
      }
      expect(ok.modelAliases()).toEqual([
        { alias: 'old-name', group: 'gpt-image-2', hidden: false },
        { alias: 'image-edit', group: 'gpt-image-2', hidden: false },
        { alias: 'secret', group: 'gpt-image-2', hidden: true },
      ]);
      expect(ok.modelGroups()).toEqual(['gpt-image-2']);
    } finally {
      await ok.close();
    }
  });
});
