import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { type HttpRequest, HttpResponse } from '@smithy/protocol-http';
import { type BedrockSimulator, createPng, startBedrockSimulator } from '@retouch/testing';
import { invokePath } from './bedrock-endpoint.js';
import { signBedrockRequest } from './bedrock-sign.js';

const MODEL_ID = 'us.stability.stable-image-inpaint-v1:0';
const credentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLEsessiontoken',
};
const body = new TextEncoder().encode(
  JSON.stringify({ image: createPng(64, 64).toString('base64'), prompt: 'a red armchair', grow_mask: 5 }),
);

/** Sends one InvokeModel through the official SDK and returns the request it would put on the wire. */
async function sdkRequest(modelId: string, region = 'us-east-1'): Promise<HttpRequest> {
  let captured: HttpRequest | undefined;
  const client = new BedrockRuntimeClient({
    region,
    credentials,
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: HttpRequest) => {
        captured = request;
        throw new Error('captured');
      },
    },
  });
  await client
    .send(
      new InvokeModelCommand({ modelId, body, contentType: 'application/json', accept: 'application/json' }),
    )
    .catch((error: Error) => {
      if (error.message !== 'captured') throw error;
    });
  if (!captured) throw new Error('the SDK sent nothing');
  return captured;
}

function signingDateOf(request: HttpRequest): Date {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(request.headers['x-amz-date'] ?? '');
  if (!match) throw new Error('no x-amz-date');
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return new Date(Date.UTC(y as number, (mo as number) - 1, d, h, mi, s));
}

describe('SigV4: the same signature as @aws-sdk/client-bedrock-runtime', () => {
  it.each([
    [MODEL_ID, 'us-east-1'],
    ['stability.stable-image-erase-object-v1:0', 'us-west-2'],
    ['arn:aws:bedrock:us-east-1::foundation-model/stability.stable-image-inpaint-v1:0', 'us-east-1'],
  ])(
    '%s in %s: same path, same Authorization for the same request, credentials and clock',
    async (modelId, region) => {
      const sdk = await sdkRequest(modelId, region);
      // The path is built by this package, not copied from the SDK.
      expect(invokePath(modelId)).toBe(sdk.path);
      const {
        authorization,
        'x-amz-date': _date,
        'x-amz-security-token': _token,
        'x-amz-content-sha256': _hash,
        ...headers
      } = sdk.headers;
      const ours = await signBedrockRequest({
        url: `https://bedrock-runtime.${region}.amazonaws.com${invokePath(modelId)}`,
        method: 'POST',
        headers,
        body,
        region,
        credentials,
        signingDate: signingDateOf(sdk),
      });
      expect(ours.authorization).toBe(authorization);
      expect(ours['x-amz-content-sha256']).toBe(sdk.headers['x-amz-content-sha256']);
      expect(ours['x-amz-security-token']).toBe(credentials.sessionToken);
      expect(ours.host).toBe(sdk.headers.host);
    },
  );

  it('encodes the model id once in the path (%3A) and signs it encoded twice (%253A)', async () => {
    const sdk = await sdkRequest(MODEL_ID);
    expect(sdk.path).toBe('/model/us.stability.stable-image-inpaint-v1%3A0/invoke');
    const wrong = await signBedrockRequest({
      // Signing the raw `:` form instead gives another signature: AWS would refuse it.
      url: `https://bedrock-runtime.us-east-1.amazonaws.com/model/${MODEL_ID}/invoke`,
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body,
      region: 'us-east-1',
      credentials,
      signingDate: signingDateOf(sdk),
    });
    const right = await signBedrockRequest({
      url: `https://bedrock-runtime.us-east-1.amazonaws.com${invokePath(MODEL_ID)}`,
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body,
      region: 'us-east-1',
      credentials,
      signingDate: signingDateOf(sdk),
    });
    expect(wrong.authorization).not.toBe(right.authorization);
  });
});

describe('the simulator verifies signatures the way AWS does', () => {
  let sim: BedrockSimulator;
  beforeAll(async () => {
    sim = await startBedrockSimulator({ credentials: [credentials] });
  });
  afterAll(() => sim.close());

  // The SDK's default handler speaks HTTP/2; this one carries its signed request over HTTP/1.1 as is.
  const http1 = {
    handle: async (request: HttpRequest) => {
      const { host: _host, 'content-length': _length, ...headers } = request.headers;
      const url = `${request.protocol}//${request.hostname}:${request.port}${request.path}`;
      const response = await fetch(url, {
        method: request.method,
        headers,
        body: request.body as Uint8Array,
      });
      return {
        response: new HttpResponse({
          statusCode: response.status,
          headers: Object.fromEntries(response.headers),
          body: new Uint8Array(await response.arrayBuffer()),
        }),
      };
    },
  };
  const client = (secretAccessKey: string) =>
    new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: sim.url,
      maxAttempts: 1,
      credentials: { ...credentials, secretAccessKey },
      requestHandler: http1,
    });

  it('accepts a request signed by the official SDK', async () => {
    const response = await client(credentials.secretAccessKey).send(
      new InvokeModelCommand({
        modelId: MODEL_ID,
        body,
        contentType: 'application/json',
        accept: 'application/json',
      }),
    );
    const answer = JSON.parse(new TextDecoder().decode(response.body)) as {
      finish_reasons: unknown[];
      images: string[];
    };
    expect(answer.finish_reasons).toEqual([null]);
    expect(answer.images).toHaveLength(1);
    expect(sim.invocations().at(-1)).toEqual({ modelId: MODEL_ID, principal: credentials.accessKeyId });
  });

  it('refuses the official SDK signing with another secret, with InvalidSignatureException', async () => {
    const call = client('not-the-secret-0123456789').send(
      new InvokeModelCommand({
        modelId: MODEL_ID,
        body,
        contentType: 'application/json',
        accept: 'application/json',
      }),
    );
    await expect(call).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      $metadata: { httpStatusCode: 403 },
    });
  });
});
