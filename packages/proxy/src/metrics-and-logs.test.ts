import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { parseConfig } from './config/load-config.js';
import { createLogScrubber } from './log-redaction.js';
import { createProxyServer, type ProxyServer } from './server.js';
import {
  configText,
  IMAGE,
  MASTER_KEY,
  type Part,
  postForm,
  TEAM_KEY,
  UPSTREAM_KEY,
} from './test-support/harness.js';
import { type Simulator, startOpenAISimulator } from '@retouch/testing';

const edit = (model: string): Part[] => [
  { name: 'model', value: model },
  { name: 'prompt', value: 'x' },
  { name: 'image', file: IMAGE },
];
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

let sim: Simulator;
beforeAll(async () => {
  sim = await startOpenAISimulator();
});
afterAll(() => sim.close());

async function start(general: string, level = 'info', extraTop = '') {
  const text = `${configText(sim)}${extraTop}general_settings:\n  master_key: ${MASTER_KEY}\n  keys:\n    - key: ${TEAM_KEY}\n      models: [gpt-image-2]\n${general}`;
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const config = parseConfig(text, { env: { TEST_OPENAI_KEY: UPSTREAM_KEY } });
  const proxy: ProxyServer = await createProxyServer({ config, logger: pino({ level }, stream) });
  const url = await proxy.listen({ port: 0, host: '127.0.0.1' });
  return { proxy, url, logs };
}

describe('/metrics', () => {
  it('labels only known model groups, never the client’s raw model', async () => {
    const { proxy, url } = await start('');
    try {
      const junk = Array.from({ length: 200 }, (_, i) => `junk-model-${i}-${'x'.repeat(i % 7)}`);
      for (let i = 0; i < junk.length; i += 20) {
        await Promise.all(
          junk
            .slice(i, i + 20)
            .map((model, j) => postForm(url, edit(model), bearer(j % 2 ? TEAM_KEY : MASTER_KEY))),
        );
      }
      expect((await postForm(url, edit('gpt-image-2'), bearer(TEAM_KEY))).status).toBe(200);
      const text = await (await fetch(`${url}/metrics`, { headers: bearer(MASTER_KEY) })).text();
      expect(text).not.toMatch(/junk-model/);
      const series = text.split('\n').filter((line) => line.startsWith('retouch_requests_total{'));
      expect(series.length).toBeLessThanOrEqual(6);
      expect(text).toMatch(/retouch_requests_total\{[^}]*status="200",model_group="gpt-image-2"/);
      expect(text).toMatch(/retouch_requests_total\{[^}]*status="404",model_group=""/);
    } finally {
      await proxy.close();
    }
  });

  it('needs the master key by default; require_auth_for_metrics_endpoint: false opens it (LiteLLM’s place works too)', async () => {
    const closed = await start('');
    try {
      expect((await fetch(`${closed.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${closed.url}/metrics`, { headers: bearer(TEAM_KEY) })).status).toBe(403);
      expect((await fetch(`${closed.url}/metrics`, { headers: bearer(MASTER_KEY) })).status).toBe(200);
    } finally {
      await closed.proxy.close();
    }
    const open = await start('  require_auth_for_metrics_endpoint: false\n');
    try {
      expect((await fetch(`${open.url}/metrics`)).status).toBe(200);
    } finally {
      await open.proxy.close();
    }
    const litellm = await start(
      '',
      'info',
      'litellm_settings:\n  require_auth_for_metrics_endpoint: false\n',
    );
    try {
      expect((await fetch(`${litellm.url}/metrics`)).status).toBe(200);
      expect(litellm.proxy.config.warnings.join('\n')).not.toMatch(/require_auth_for_metrics_endpoint/);
    } finally {
      await litellm.proxy.close();
    }
  });
});

describe('logs never carry a secret', () => {
  it('at trace, credential headers and configured secrets are redacted wherever a line carries them', async () => {
    const { proxy, url, logs } = await start('', 'trace');
    try {
      const presented = {
        'x-key': 'client-x-key-value-1',
        'x-goog-api-key': 'client-goog-key-value-2',
        'api-key': 'client-api-key-value-3',
        'x-api-key': 'client-x-api-key-value-4',
      };
      expect((await postForm(url, edit('gpt-image-2'), { ...bearer(MASTER_KEY), ...presented })).status).toBe(
        200,
      );
      expect((await postForm(url, edit('gpt-image-2'), bearer(TEAM_KEY))).status).toBe(200);
      proxy.app.log.info(
        { note: `a message that quotes ${UPSTREAM_KEY} and ${TEAM_KEY}` },
        `and ${MASTER_KEY}`,
      );
      // As a plugin would log a request's headers (@fastify/multipart did, at trace).
      proxy.app.log.trace({ headers: { authorization: `Bearer ${MASTER_KEY}`, ...presented } }, 'headers');
      const text = logs.join('');
      for (const secret of [MASTER_KEY, TEAM_KEY, UPSTREAM_KEY, ...Object.values(presented)]) {
        expect(text).not.toContain(secret);
      }
      expect(text).toMatch(/"authorization":"\[redacted\]"/);
      expect(text).toMatch(/"x-goog-api-key":"\[redacted\]"/);
    } finally {
      await proxy.close();
    }
  });
});

describe('createLogScrubber', () => {
  it('replaces secrets by value, also as JSON escapes them, and bearer tokens in any text', () => {
    const credentials = '{"private_key":"-----BEGIN KEY-----\nMIIEabc\n-----END KEY-----"}';
    const scrub = createLogScrubber([credentials, 'aws-secret-0123456789']);
    const line = JSON.stringify({ msg: `creds ${credentials}`, err: 'signed with aws-secret-0123456789' });
    expect(scrub(line)).toBe('{"msg":"creds [redacted]","err":"signed with [redacted]"}');
    expect(scrub('{"msg":"sent Authorization: Bearer sk-unknown-123456"}')).toBe(
      '{"msg":"sent Authorization: Bearer [redacted]"}',
    );
    expect(scrub('{"headers":{"Api-Key":["a-b-c-d-e-f-g"]}}')).toBe('{"headers":{"Api-Key":"[redacted]"}}');
  });
});
