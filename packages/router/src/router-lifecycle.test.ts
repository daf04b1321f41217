/**
 * Lifecycle in the router: a retired deployment is never selected (or, allowed, is sent; or, with
 * auto_upgrade_retired, is served by its successor); a deprecated one works and is named once.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { getMeta, NotFoundError, resetDeprecationWarnings } from '@retouch/core';
import { type Simulator, startGeminiSimulator, startOpenAISimulator } from '@retouch/testing';
import { Router } from './router.js';
import { edit, GEMINI_KEY, gemini, openai, sentAnyway } from './test-support/harness.js';
import type { RouterOptions } from './types.js';

let sim: Simulator;
let geminiSim: Simulator;
const routers: Router[] = [];
const router = async (options: RouterOptions) => {
  const created = await Router.create(options);
  routers.push(created);
  return created;
};
beforeAll(async () => {
  [sim, geminiSim] = await Promise.all([
    startOpenAISimulator(),
    startGeminiSimulator({ apiKey: GEMINI_KEY }),
  ]);
});
afterAll(async () => {
  await Promise.all([sim.close(), geminiSim.close()]);
});
afterEach(async () => {
  sim.reset();
  geminiSim.reset();
  resetDeprecationWarnings();
  await Promise.all(routers.splice(0).map((r) => r.close()));
});

const models = () => sim.requests.map((r) => r.fields?.model?.[0]);

describe('retired deployments', () => {
  it('are never selected while the group has another deployment', async () => {
    const r = await router({
      model_list: [
        openai(sim, 'old', 'edit', { model: 'gpt-image-1', weight: 1000 }),
        openai(sim, 'new', 'edit', { model: 'gpt-image-2' }),
      ],
    });
    for (let i = 0; i < 5; i++) expect(getMeta(await r.imageEdit(edit('edit'))).deploymentId).toBe('new');
    expect(models()).toEqual(Array(5).fill('gpt-image-2'));
    expect(r.lifecycleNotices()).toEqual([
      expect.objectContaining({
        deploymentId: 'old',
        status: 'retired',
        excluded: true,
        successor: 'gpt-image-2.5-sunburst',
      }),
    ]);
    const health = await r.deployments();
    expect(health.find((d) => d.id === 'old')).toMatchObject({
      selectable: false,
      lifecycle: { status: 'retired', shutdown: '2026-10-23' },
    });
  });

  it('alone, make a call fail locally with 404 model_retired naming the date and the successor', async () => {
    const r = await router({ model_list: [openai(sim, 'old', 'edit', { model: 'gpt-image-1' })] });
    const error = await r.imageEdit(edit('edit')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ code: 'model_retired', status: 404 });
    expect((error as Error).message).toContain('on 2026-10-23; use openai/gpt-image-2.5-sunburst instead');
    expect(sim.requests).toHaveLength(0);
  });

  it('are sent when model_info.allow_retired says so', async () => {
    const r = await router({
      model_list: [sentAnyway(openai(sim, 'old', 'edit', { model: 'gpt-image-1' }))],
    });
    await r.imageEdit(edit('edit'));
    expect(models()).toEqual(['gpt-image-1']);
    expect(r.lifecycleNotices()[0]).toMatchObject({ excluded: false });
  });

  it('are served by their successor with auto_upgrade_retired', async () => {
    const r = await router({
      model_list: [openai(sim, 'old', 'edit', { model: 'gpt-image-1' })],
      auto_upgrade_retired: true,
    });
    expect(r.configWarnings()).toEqual([
      {
        path: 'model_list[0].litellm_params.model',
        message: expect.stringContaining(
          'auto_upgrade_retired: group "edit" is served by openai/gpt-image-2.5-sunburst',
        ),
      },
    ]);
    const meta = getMeta(await r.imageEdit(edit('edit')));
    expect(meta).toMatchObject({ deploymentId: 'old', model: 'gpt-image-2.5-sunburst' });
    expect(models()).toEqual(['gpt-image-2.5-sunburst']);
  });
});

describe('deprecated deployments', () => {
  it('work, and name the shutdown date and successor once per process in _meta.warnings', async () => {
    const r = await router({ model_list: [gemini(geminiSim, 'g', 'edit')] });
    const first = getMeta(await r.imageEdit(edit('edit')));
    const second = getMeta(await r.imageEdit(edit('edit')));
    const notice =
      'gemini/gemini-2.5-flash-image is deprecated: its earliest shutdown date (2026-10-02) has passed';
    expect(first.warnings.filter((w) => w.startsWith(notice))).toHaveLength(1);
    expect(second.warnings.filter((w) => w.startsWith(notice))).toHaveLength(0);
    expect(r.lifecycleNotices()).toEqual([
      expect.objectContaining({ status: 'deprecated', excluded: false }),
    ]);
  });
});
