import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Harness, IMAGE, MASTER_KEY, postForm, startHarness, TEAM_KEY } from './test-support/harness.js';

const ALIASES = `  model_group_alias:
    image-edit: gpt-image-2
    secret-edit: { model: gpt-image-2, hidden: true }
litellm_settings:
  model_alias_map: { classic: dall-e-2 }
`;

describe('model group aliases and /model/info', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      extra: ALIASES,
      generalSettings: `  master_key: ${MASTER_KEY}\n  keys:\n    - key: ${TEAM_KEY}\n      models: [gpt-image-2]\n`,
    });
  });
  afterAll(() => h.close());

  const edit = (model: string, key = MASTER_KEY) =>
    postForm(
      h.url,
      [
        { name: 'model', value: model },
        { name: 'prompt', value: 'x' },
        { name: 'image', file: IMAGE },
      ],
      { authorization: `Bearer ${key}` },
    );
  const get = async (path: string, key = MASTER_KEY) =>
    (await fetch(`${h.url}${path}`, { headers: { authorization: `Bearer ${key}` } })).json() as Promise<
      Record<string, unknown>
    >;

  it('serves aliases on their group, hidden ones too, with no warning at start-up', async () => {
    for (const [model, group] of [
      ['image-edit', 'gpt-image-2'],
      ['secret-edit', 'gpt-image-2'],
      ['classic', 'dall-e-2'],
    ]) {
      const response = await edit(model as string);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-retouch-model-group')).toBe(group);
    }
    expect(h.logs.join('')).not.toMatch(/model_group_alias|model_alias_map/);
    // A key limited to a group may use its aliases, and no other group through one.
    expect((await edit('image-edit', TEAM_KEY)).status).toBe(200);
    expect((await edit('classic', TEAM_KEY)).status).toBe(403);
  });

  it('lists visible aliases in /v1/models, not hidden ones (which still answer by name)', async () => {
    const ids = ((await get('/v1/models')).data as { id: string }[]).map((m) => m.id);
    expect(ids).toEqual(['gpt-image-2', 'dall-e-2', 'classic', 'image-edit']);
    const team = ((await get('/v1/models', TEAM_KEY)).data as { id: string }[]).map((m) => m.id);
    expect(team).toEqual(['gpt-image-2', 'image-edit']);
    expect(await get('/v1/models/secret-edit')).toMatchObject({ id: 'secret-edit', object: 'model' });
  });

  it('answers /model/info as LiteLLM does, with capabilities and prices, per key', async () => {
    type Entry = { model_name: string; litellm_params: unknown; model_info: Record<string, unknown> };
    const { data } = (await get('/model/info')) as { data: Entry[] };
    expect(data.map((d) => d.model_name)).toEqual(['gpt-image-2', 'dall-e-2']);
    const gpt = data[0] as Entry;
    expect(gpt.litellm_params).toEqual({ model: 'gpt-image-2' });
    expect(gpt.model_info).toMatchObject({
      id: 'openai-sim',
      mode: 'image_edit',
      litellm_provider: 'openai',
      price_source: 'catalogue',
      supports_mask: true,
      max_input_images: 16,
    });
    expect(gpt.model_info.input_cost_per_token).toEqual(expect.any(Number));
    // The catalogue's lifecycle, with LiteLLM's name for the shutdown day.
    expect(gpt.model_info).toMatchObject({ status: 'active', deprecation_date: null, selectable: true });
    expect(data[1]?.model_info).toMatchObject({
      status: 'retired',
      deprecation_date: '2026-05-12',
      successor: expect.stringMatching(/^gpt-image-/),
      selectable: true, // model_info.allow_retired in the harness
    });
    expect(JSON.stringify(data)).not.toMatch(/sk-test|api_key|api_base/);
    const team = (await get('/model/info', TEAM_KEY)) as { data: { model_name: string }[] };
    expect(team.data.map((d) => d.model_name)).toEqual(['gpt-image-2']);
    const one = (await get('/v1/model/info?litellm_model_id=dalle-sim')) as {
      data: { model_info: { id: string } }[];
    };
    expect(one.data.map((d) => d.model_info.id)).toEqual(['dalle-sim']);
  });
});
