import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigError } from './config-error.js';
import { loadConfig, parseConfig } from './load-config.js';

const ENV = {
  OPENAI_API_KEY: 'sk-openai',
  GEMINI_API_KEY: 'gm-key',
  BFL_API_KEY: 'bfl-key',
  OPENROUTER_API_KEY: 'or-key',
  VERTEXAI_PROJECT: 'my-project',
  VERTEXAI_LOCATION: 'us-central1',
  GOOGLE_APPLICATION_CREDENTIALS: '/secrets/sa.json',
};

/** The seed's config snippets, verbatim in LiteLLM's format. */
const SEEDS: Record<string, string> = {
  openai: `
model_list:
  - model_name: gpt-image-2
    litellm_params:
      model: gpt-image-2
      api_key: os.environ/OPENAI_API_KEY
`,
  gemini: `
model_list:
  - model_name: gemini-image-edit
    litellm_params:
      model: gemini/gemini-2.5-flash-image
      api_key: os.environ/GEMINI_API_KEY
`,
  bfl: `
model_list:
  - model_name: bfl-kontext-pro
    litellm_params:
      model: black_forest_labs/flux-kontext-pro
      api_key: os.environ/BFL_API_KEY
    model_info:
      mode: image_edit
`,
  vertex: `
model_list:
  - model_name: vertex-gemini-image-edit
    litellm_params:
      model: vertex_ai/gemini-2.5-flash-image
      vertex_project: os.environ/VERTEXAI_PROJECT
      vertex_location: os.environ/VERTEXAI_LOCATION
      vertex_credentials: os.environ/GOOGLE_APPLICATION_CREDENTIALS
  - model_name: vertex-imagen-image-edit
    litellm_params:
      model: vertex_ai/imagen-3.0-capability-001
      vertex_project: os.environ/VERTEXAI_PROJECT
      vertex_location: os.environ/VERTEXAI_LOCATION
      vertex_credentials: os.environ/GOOGLE_APPLICATION_CREDENTIALS
`,
  openrouter: `
model_list:
  - model_name: openrouter-image-edit
    litellm_params:
      model: openrouter/google/gemini-2.5-flash-image
      api_key: os.environ/OPENROUTER_API_KEY
`,
};

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it.each(Object.entries(SEEDS))('loads the seed %s snippet as it is', (_name, text) => {
    const config = parseConfig(text, { env: ENV });
    expect(config.warnings).toEqual([]);
    expect(config.router.model_list.length).toBeGreaterThan(0);
    const params = config.router.model_list[0]?.litellm_params as Record<string, unknown>;
    expect(JSON.stringify(params)).not.toContain('os.environ/');
  });

  it('resolves os.environ/NAME everywhere; a missing variable names itself, its key path and line', () => {
    const issues = issuesOf(() => parseConfig(SEEDS.vertex as string, { env: { VERTEXAI_PROJECT: 'p' } }));
    expect(issues).toContainEqual({
      path: 'model_list[0].litellm_params.vertex_location',
      message:
        'environment variable VERTEXAI_LOCATION is not set (referenced as os.environ/VERTEXAI_LOCATION)',
      line: 7,
    });
  });

  it('reads numbers and booleans from environment references', () => {
    const config = parseConfig(
      `model_list:
  - model_name: edit
    litellm_params: { model: gpt-image-2, rpm: os.environ/RPM }
router_settings:
  num_retries: os.environ/RETRIES
  redis_port: os.environ/REDIS_PORT
litellm_settings:
  drop_params: os.environ/DROP
`,
      { env: { RPM: '60', RETRIES: '3', REDIS_PORT: '6380', DROP: 'true' } },
    );
    expect(config.router.model_list[0]?.litellm_params.rpm).toBe(60);
    expect(config.router).toMatchObject({ num_retries: 3, redis_port: 6380, drop_params: true });
  });

  it('maps router_settings and litellm_settings onto router options (router_settings wins)', () => {
    const config = parseConfig(
      `model_list:
  - model_name: a
    litellm_params: { model: gpt-image-2 }
  - model_name: b
    litellm_params: { model: gemini/gemini-2.5-flash-image }
router_settings:
  routing_strategy: least-busy
  num_retries: 4
  cooldown_time: 30
  allowed_fails: 2
  fallbacks: [{ a: [b] }]
  redis_host: localhost
  redis_port: 6379
  redis_password: os.environ/REDIS_PASSWORD
litellm_settings:
  drop_params: true
  num_retries: 1
  request_timeout: 120
  callbacks: [otel, prometheus]
  success_callback: [langfuse]
general_settings:
  master_key: sk-1234
`,
      { env: { REDIS_PASSWORD: 'pw' } },
    );
    expect(config.router).toMatchObject({
      routing_strategy: 'least-busy',
      num_retries: 4,
      cooldown_time: 30,
      allowed_fails: 2,
      fallbacks: [{ a: ['b'] }],
      redis_host: 'localhost',
      redis_password: 'pw',
      drop_params: true,
      timeout: 120,
    });
    expect(config.callbacks).toEqual(['otel', 'prometheus', 'langfuse']);
    expect(config.masterKey).toBe('sk-1234');
  });

  it('warns once per unknown key, with the line of its first use (never crashes), and drops it', () => {
    const config = parseConfig(
      `model_list:
  - model_name: a
    litellm_params: { model: gpt-image-2 }
    tpm_limit: 5
  - model_name: b
    litellm_params: { model: gpt-image-2 }
    tpm_limit: 5
router_settings:
  retry_policy: { RateLimitErrorRetries: 3 }
litellm_settings:
  cache: true
general_settings:
  database_connection_pool_limit: 10
guardrails: []
`,
      { env: {} },
    );
    expect(config.warnings).toEqual([
      'guardrails: unknown or unsupported key, ignored (line 14)',
      'model_list[0].tpm_limit (and 1 more): unknown or unsupported key, ignored (line 4)',
      'litellm_settings.cache: unknown or unsupported key, ignored (line 11)',
      'router_settings.retry_policy: unknown or unsupported key, ignored (line 9)',
      'general_settings.database_connection_pool_limit: unknown or unsupported key, ignored (line 13)',
    ]);
    expect(config.router.model_list[0]).not.toHaveProperty('tpm_limit');
  });

  it('fails at startup with the path of every bad key and what is expected', () => {
    const issues = issuesOf(() =>
      parseConfig(
        `model_list:
  - model_name: a
    litellm_params:
      api_key: sk-1
router_settings:
  routing_strategy: fastest
  num_retries: many
litellm_settings:
  request_timeout: -1
general_settings:
  max_images: 0
`,
        { env: {} },
      ),
    );
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'model_list[0].litellm_params.model',
        'router_settings.routing_strategy',
        'router_settings.num_retries',
        'litellm_settings.request_timeout',
        'general_settings.max_images',
      ]),
    );
    expect(issues.find((i) => i.path === 'model_list[0].litellm_params.model')?.message).toMatch(/required/);
    expect(issues.find((i) => i.path === 'router_settings.routing_strategy')?.line).toBe(6);
  });

  it('a fallback to an unknown group, a missing model_list, YAML errors', () => {
    expect(
      issuesOf(() =>
        parseConfig(
          'model_list:\n  - model_name: a\n    litellm_params: { model: gpt-image-2 }\nrouter_settings:\n  fallbacks: [{ a: [zz] }]\n',
          { env: {} },
        ),
      )[0],
    ).toMatchObject({
      path: 'router_settings.fallbacks[0].a[0]',
      message: expect.stringMatching(/unknown model group "zz"/),
    });
    expect(issuesOf(() => parseConfig('general_settings: {}\n', { env: {} }))[0]?.path).toBe('model_list');
    expect(issuesOf(() => parseConfig('model_list: [\n', { env: {} }))[0]).toMatchObject({
      path: '(yaml)',
      line: expect.any(Number),
    });
    expect(issuesOf(() => parseConfig('a: 1\na: 2\n', { env: {} }))[0]?.path).toBe('(yaml)');
  });

  it('virtual keys: general_settings.keys and a keys_file, models checked against the groups', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'retouch-config-'));
    await writeFile(
      join(dir, 'keys.yaml'),
      'keys:\n  - key: os.environ/TEAM_B_KEY\n    key_alias: team-b\n    max_budget: 5\n',
    );
    const file = join(dir, 'config.yaml');
    await writeFile(
      file,
      `model_list:
  - model_name: edit
    litellm_params: { model: gpt-image-2 }
general_settings:
  master_key: sk-master
  keys:
    - key: sk-team-a
      key_alias: team-a
      models: [edit]
      rpm_limit: 10
  keys_file: keys.yaml
`,
    );
    const config = await loadConfig(file, { env: { TEAM_B_KEY: 'sk-team-b' } });
    expect(config.keys).toEqual([
      { key: 'sk-team-a', key_alias: 'team-a', models: ['edit'], rpm_limit: 10 },
      { key: 'sk-team-b', key_alias: 'team-b', max_budget: 5 },
    ]);
    const issues = issuesOf(() =>
      parseConfig(
        'model_list:\n  - model_name: edit\n    litellm_params: { model: gpt-image-2 }\ngeneral_settings:\n  master_key: sk-1\n  keys:\n    - key: sk-1\n    - key: sk-2\n      models: [nope]\n',
        { env: {} },
      ),
    );
    expect(issues.map((i) => i.path)).toEqual([
      'general_settings.keys[1].models[0]',
      'virtual key #1 (no alias)',
    ]);
  });

  it('environment_variables fill variables that are not set', () => {
    const config = parseConfig(
      'environment_variables:\n  OPENAI_API_KEY: sk-from-config\nmodel_list:\n  - model_name: edit\n    litellm_params: { model: gpt-image-2, api_key: os.environ/OPENAI_API_KEY }\n',
      { env: {} },
    );
    expect(config.router.model_list[0]?.litellm_params.api_key).toBe('sk-from-config');
    expect(config.environment).toEqual({ OPENAI_API_KEY: 'sk-from-config' });
  });

  it('a missing file is a ConfigError naming it', async () => {
    await expect(loadConfig('/nonexistent/config.yaml')).rejects.toThrow(
      /cannot read \/nonexistent\/config.yaml/,
    );
  });
});
