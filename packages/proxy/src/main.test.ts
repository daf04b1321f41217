import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Simulator, startOpenAISimulator } from '@retouch/testing';
import OpenAI, { toFile } from 'openai';
import { pino } from 'pino';
import { main, parseCliArgs } from './main.js';
import { IMAGE } from './test-support/harness.js';

describe('parseCliArgs', () => {
  it('reads --config, --port and --host, with LiteLLM’s defaults', () => {
    expect(parseCliArgs(['--config', 'c.yaml'], {})).toMatchObject({
      config: 'c.yaml',
      port: 4000,
      host: '0.0.0.0',
      logLevel: 'info',
    });
    expect(
      parseCliArgs(['-c', 'c.yaml', '-p', '8080', '-H', '127.0.0.1', '--detailed_debug'], {}),
    ).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      logLevel: 'debug',
    });
    expect(parseCliArgs([], { CONFIG_FILE_PATH: 'env.yaml', PORT: '5000' })).toMatchObject({
      config: 'env.yaml',
      port: 5000,
    });
  });

  it('reads the request timeouts in seconds, and refuses bad ones', () => {
    expect(
      parseCliArgs(['--header-timeout', '5', '--body-timeout', '60', '--idle-timeout', '2.5'], {}),
    ).toMatchObject({
      headerTimeoutSeconds: 5,
      bodyTimeoutSeconds: 60,
      idleTimeoutSeconds: 2.5,
    });
    expect(parseCliArgs(['--shutdown-grace', '0'], {}).shutdownGraceSeconds).toBe(0);
    expect(() => parseCliArgs(['--body-timeout', '0'], {})).toThrow(/--body-timeout/);
    expect(() => parseCliArgs(['--idle-timeout', 'soon'], {})).toThrow(/--idle-timeout/);
  });

  it('refuses unknown flags and bad ports', () => {
    expect(() => parseCliArgs(['--conifg', 'x'], {})).toThrow(/conifg/);
    expect(() => parseCliArgs(['--port', 'abc'], {})).toThrow(/--port/);
  });
});

describe('main (the retouch command)', () => {
  let sim: Simulator;
  let dir: string;
  beforeAll(async () => {
    sim = await startOpenAISimulator();
    dir = await mkdtemp(join(tmpdir(), 'retouch-cli-'));
  });
  afterAll(() => sim.close());

  it('starts from config.yaml with the embedded database, prints its URL and serves the official client with a generated key', async () => {
    const file = join(dir, 'config.yaml');
    await writeFile(
      file,
      `model_list:\n  - model_name: gpt-image-2\n    litellm_params:\n      model: gpt-image-2\n      api_key: os.environ/CLI_TEST_KEY\n      api_base: ${sim.url}/v1\ngeneral_settings:\n  master_key: sk-1234\n`,
    );
    const out: string[] = [];
    const data = join(dir, 'data');
    const result = await main(['--config', file, '--port', '0', '--host', '127.0.0.1', '--data-dir', data], {
      stdout: (line) => out.push(line),
      stderr: (line) => out.push(line),
      env: { CLI_TEST_KEY: 'sk-test-simulator' },
      logger: pino({ level: 'silent' }),
      handleSignals: false,
    });
    try {
      expect(result.exitCode).toBe(0);
      expect(out[0]).toMatch(/^retouch proxy listening on http:\/\/127\.0\.0\.1:\d+ /);
      expect(out[0]).toContain(`embedded database in ${data})`);
      // Jest's node runs without --min-semi-space-size: the startup names it.
      expect(out).toContainEqual(expect.stringContaining('start node with --min-semi-space-size=16'));
      const generated = await fetch(`${result.url}/key/generate`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk-1234', 'content-type': 'application/json' },
        body: JSON.stringify({ key_alias: 'cli', models: ['gpt-image-2'] }),
      });
      expect(generated.status).toBe(200);
      const { key } = (await generated.json()) as { key: string };
      const client = new OpenAI({ apiKey: key, baseURL: `${result.url}/v1`, maxRetries: 0 });
      const response = await client.images.edit({
        model: 'gpt-image-2',
        prompt: 'x',
        image: await toFile(IMAGE, 'a.png', { type: 'image/png' }),
      });
      expect(response.data).toHaveLength(1);
    } finally {
      await result.server?.close();
    }
  }, 60_000);

  it('a bad config fails at startup with exit code 1 and the key path', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      'model_list:\n  - model_name: x\n    litellm_params:\n      model: gpt-image-2\n      api_key: os.environ/NOT_SET_ANYWHERE\n',
    );
    const err: string[] = [];
    const result = await main(['--config', file, '--port', '0'], {
      stderr: (l) => err.push(l),
      env: {},
      handleSignals: false,
    });
    expect(result.exitCode).toBe(1);
    expect(err.join('\n')).toMatch(
      /model_list\[0\]\.litellm_params\.api_key: environment variable NOT_SET_ANYWHERE is not set .*\(line 5\)/,
    );
  });

  it('a model no installed provider serves fails at startup naming model_list[i].litellm_params.model', async () => {
    const file = join(dir, 'unknown.yaml');
    await writeFile(file, 'model_list:\n  - model_name: x\n    litellm_params:\n      model: dall-e-99\n');
    const err: string[] = [];
    const result = await main(['--config', file], {
      stderr: (l) => err.push(l),
      env: {},
      handleSignals: false,
    });
    expect(result.exitCode).toBe(1);
    expect(err.join('\n')).toMatch(/model_list\[0\]\.litellm_params\.model/);
  });

  it('usage errors exit with code 2; --help prints the usage', async () => {
    const lines: string[] = [];
    expect((await main([], { stderr: (l) => lines.push(l), env: {} })).exitCode).toBe(2);
    expect(lines.join('\n')).toMatch(/--config is required/);
    expect((await main(['--help'], { stdout: (l) => lines.push(l), env: {} })).exitCode).toBe(0);
    expect(lines.join('\n')).toMatch(/Usage: retouch --config config.yaml/);
  });
});
