import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Harness, IMAGE, MASTER_KEY, startHarness } from './test-support/harness.js';
import { pause, rawExchange } from './test-support/raw-http.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ extra: '', generalSettings: `  master_key: ${MASTER_KEY}\n` });
});
afterAll(() => h.close());

const lines = () =>
  h.logs
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await pause(20);
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

describe('client disconnects', () => {
  it('are logged once at info with status 499, counted, and end the upstream call', async () => {
    h.sim.reset();
    h.logs.length = 0;
    h.sim.injectFault({ type: 'delay', ms: 60_000 });
    const controller = new AbortController();
    const form = new FormData();
    form.set('model', 'gpt-image-2');
    form.set('prompt', 'x');
    form.set('image', new Blob([IMAGE], { type: 'image/png' }), 'a.png');
    const call = fetch(`${h.url}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'x-request-id': 'gone-1' },
      body: form,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    await until(() => h.sim.requests.length === 1, 'the upstream call');
    controller.abort();
    await call;
    await until(() => lines().some((l) => l.reqId === 'gone-1' && l.status === 499), 'the access-log line');
    await pause(200);
    const about = lines().filter((l) => l.reqId === 'gone-1');
    expect(about).toHaveLength(1);
    expect(about[0]).toMatchObject({
      level: 30,
      status: 499,
      error_code: 'client_closed_request',
      msg: 'client closed request',
    });
    expect(lines().filter((l) => (l.level as number) >= 50)).toEqual([]);
    const metrics = await (
      await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })
    ).text();
    expect(metrics).toMatch(/retouch_requests_total\{[^}]*status="499"[^}]*\} 1/);
    // The upstream call was aborted with it.
    let idle = false;
    for (let i = 0; i < 250 && !idle; i++) {
      idle = (await h.proxy.router.deployments()).every((d) => d.inFlight === 0);
      if (!idle) await pause(20);
    }
    expect(idle).toBe(true);
  });

  it('during the upload is a 499 too, not a 400', async () => {
    h.logs.length = 0;
    await rawExchange(h.url, async (io) => {
      io.write(
        `POST /v1/images/edits HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${MASTER_KEY}\r\nx-request-id: gone-2\r\nContent-Type: multipart/form-data; boundary=zz\r\nContent-Length: 100000\r\n\r\n--zz\r\nContent-Disposition: form-data; name="model"\r\n\r\ngpt-image-2\r\n`,
      );
      await pause(100);
      io.destroy();
    });
    await until(() => lines().some((l) => l.reqId === 'gone-2'), 'the access-log line');
    await pause(200);
    const about = lines().filter((l) => l.reqId === 'gone-2');
    expect(about).toHaveLength(1);
    expect(about[0]).toMatchObject({ level: 30, status: 499 });
  });
});
