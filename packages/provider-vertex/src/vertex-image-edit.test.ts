import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  BadRequestError,
  ContentPolicyViolationError,
  getMeta,
  imageEdit,
  UnsupportedParamsError,
} from '@retouch/core';
import {
  createJpeg,
  createOpenAIMask,
  createPng,
  geminiImageConfig,
  imagenReferences,
  rejectionOf,
  startVertexSimulator,
  type VertexSimulator,
} from '@retouch/testing';
import { vertexHost, vertexModelPath } from './vertex-endpoint.js';
import { createVertex, type VertexProviderSettings } from './vertex-provider.js';

const TOKEN = 'ya29.vertex-image-edit-test-token';
const PROJECT = 'edit-project';
let sim: VertexSimulator;

beforeAll(async () => {
  sim = await startVertexSimulator({ accessToken: TOKEN, project: PROJECT });
});
afterAll(() => sim.close());
afterEach(() => sim.reset());

const image = createPng(64, 64, { color: [30, 160, 90] });
const mask = createOpenAIMask(64, 64, { x: 8, y: 8, width: 24, height: 24 });
const vertex = (settings: VertexProviderSettings = {}) =>
  createVertex({
    accessToken: TOKEN,
    project: PROJECT,
    location: 'us-central1',
    baseURL: sim.url,
    ...settings,
  });
const body = () =>
  sim.lastRequest().json as { instances: Record<string, unknown>[]; parameters: Record<string, unknown> };
const imagen = (params: Record<string, unknown>, settings?: VertexProviderSettings) =>
  // Imagen editing is discontinued upstream; these tests cover the mapping for callers who send it anyway.
  imageEdit({ model: 'imagen-3.0-capability-001', image, prompt: 'A red kite', ...params } as never, {
    provider: vertex(settings),
    allowRetired: true,
  });

describe('hosts', () => {
  it.each([
    ['us-central1', 'https://us-central1-aiplatform.googleapis.com'],
    ['europe-west4', 'https://europe-west4-aiplatform.googleapis.com'],
    ['global', 'https://aiplatform.googleapis.com'],
    ['us', 'https://aiplatform.us.rep.googleapis.com'],
    ['eu', 'https://aiplatform.eu.rep.googleapis.com'],
  ])('%s → %s', (location, host) => {
    expect(vertexHost(location)).toBe(host);
  });

  it.each([
    ['us-central1', 'gemini-2.5-flash-image', 'https://us-central1-aiplatform.googleapis.com'],
    ['global', 'gemini-3-pro-image-preview', 'https://aiplatform.googleapis.com'],
    ['eu', 'gemini-2.5-flash-image', 'https://aiplatform.eu.rep.googleapis.com'],
    ['europe-west4', 'imagen-3.0-capability-001', 'https://europe-west4-aiplatform.googleapis.com'],
  ])('without a base URL, %s / %s goes to %s', async (location, model, host) => {
    // A forwarding fetch, as a corporate proxy would be: it records the URL and sends the request on to the simulator.
    const seen: string[] = [];
    const forward: typeof fetch = (input, init) => {
      const request = new Request(input, init);
      const url = new URL(request.url);
      seen.push(url.href);
      return fetch(new Request(`${sim.url}${url.pathname}${url.search}`, request));
    };
    const provider = createVertex({ accessToken: TOKEN, project: PROJECT, location, fetch: forward });
    await imageEdit({ model, image, prompt: 'A red kite' }, { provider, allowRetired: true });
    const method = model.startsWith('imagen') ? 'predict' : 'generateContent';
    expect(seen).toEqual([`${host}/v1${vertexModelPath({ project: PROJECT, location, model, method })}`]);
  });

  it.each([
    ['gemini-3.1-flash-image-preview', 'global'],
    ['gemini-3-pro-image-preview', 'global'],
    ['gemini-3.1-flash-image', 'us-central1'],
  ])(
    'with no location set, %s is sent to %s (preview models are served from global)',
    async (model, location) => {
      const saved = ['VERTEXAI_LOCATION', 'VERTEX_LOCATION', 'GOOGLE_CLOUD_LOCATION'].map(
        (n) => [n, process.env[n]] as const,
      );
      for (const [name] of saved) delete process.env[name];
      try {
        const provider = createVertex({ accessToken: TOKEN, project: PROJECT, baseURL: sim.url });
        await imageEdit({ model, image, prompt: 'A red kite' }, { provider });
        expect(sim.lastRequest().path).toBe(
          `/v1${vertexModelPath({ project: PROJECT, location, model, method: 'generateContent' })}`,
        );
      } finally {
        for (const [name, value] of saved) if (value !== undefined) process.env[name] = value;
      }
    },
  );

  it('Imagen on the global location is a BadRequestError before any call', async () => {
    const error = await rejectionOf(imagen({}, { location: 'global' }), BadRequestError);
    expect(error.param).toBe('vertex_location');
    expect(sim.requests).toHaveLength(0);
  });

  it('a location that is not one is refused before it becomes a host name', async () => {
    const error = await rejectionOf(imagen({}, { location: 'evil.example/x' }), BadRequestError);
    expect(error.param).toBe('vertex_location');
  });

  it('the simulator itself answers Imagen on global with 404, as Vertex does', async () => {
    const url = `${sim.url}/v1/projects/${PROJECT}/locations/global/publishers/google/models/imagen-3.0-capability-001:predict`;
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { status: string } }).error.status).toBe('NOT_FOUND');
  });
});

describe('Imagen editing', () => {
  it('always sends sampleCount, even for n = 1, and no editMode for a mask-free edit', async () => {
    const response = await imagen({});
    expect(body()).toEqual({
      instances: [
        {
          prompt: 'A red kite',
          referenceImages: [
            {
              referenceType: 'REFERENCE_TYPE_RAW',
              referenceId: 1,
              referenceImage: { bytesBase64Encoded: image.toString('base64') },
            },
          ],
        },
      ],
      parameters: { sampleCount: 1, includeRaiReason: true },
    });
    expect(response.data).toHaveLength(1);
    expect(response.size).toBe('64x64');
  });

  it('maps the knobs to their wire names', async () => {
    const response = await imagen({
      mask,
      n: 3,
      edit_mode: 'inpaint_removal',
      mask_dilation: 0.01,
      base_steps: 35,
      guidance_scale: 60,
      negative_prompt: 'blurry',
      seed: 42,
      person_generation: 'ALLOW_ADULT',
      safety_setting: 'BLOCK_ONLY_HIGH',
      language: 'en',
      output_format: 'jpeg',
      output_compression: 80,
    });
    expect(body().parameters).toEqual({
      editMode: 'EDIT_MODE_INPAINT_REMOVAL',
      sampleCount: 3,
      editConfig: { baseSteps: 35 },
      guidanceScale: 60,
      negativePrompt: 'blurry',
      seed: 42,
      addWatermark: false,
      outputOptions: { mimeType: 'image/jpeg', compressionQuality: 80 },
      personGeneration: 'allow_adult',
      safetySetting: 'block_only_high',
      language: 'en',
      includeRaiReason: true,
    });
    expect(imagenReferences(sim.lastRequest())[1]?.maskImageConfig).toEqual({
      maskMode: 'MASK_MODE_USER_PROVIDED',
      dilation: 0.01,
    });
    expect(response.data).toHaveLength(3);
    expect(getMeta(response).warnings.join(' ')).toContain('addWatermark false');
  });

  it.each([
    [{ edit_mode: 'bgswap' }, 'EDIT_MODE_BGSWAP', { maskMode: 'MASK_MODE_BACKGROUND' }],
    [
      { edit_mode: 'EDIT_MODE_BGSWAP', mask_dilation: 0 },
      'EDIT_MODE_BGSWAP',
      { maskMode: 'MASK_MODE_BACKGROUND', dilation: 0 },
    ],
    [
      { mask_mode: 'foreground', edit_mode: 'inpaint_removal' },
      'EDIT_MODE_INPAINT_REMOVAL',
      { maskMode: 'MASK_MODE_FOREGROUND' },
    ],
    [
      { mask_mode: 'semantic', mask_classes: [175, 176] },
      'EDIT_MODE_INPAINT_INSERTION',
      { maskMode: 'MASK_MODE_SEMANTIC', maskClasses: [175, 176] },
    ],
  ])('automatic mask %j → %s without a mask image', async (params, editMode, maskImageConfig) => {
    await imagen(params);
    expect(body().parameters.editMode).toBe(editMode);
    const references = imagenReferences(sim.lastRequest());
    expect(references[1]).toEqual({ referenceType: 'REFERENCE_TYPE_MASK', referenceId: 2, maskImageConfig });
  });

  it('outpainting and removal take no prompt', async () => {
    await imageEdit({ model: 'imagen-3.0-capability-001', image, mask, edit_mode: 'outpaint' } as never, {
      provider: vertex(),
      allowRetired: true,
    });
    expect(body().instances[0]?.prompt).toBe('');
    expect(body().parameters.editMode).toBe('EDIT_MODE_OUTPAINT');
  });

  it('edits JPEG base images', async () => {
    const jpeg = createJpeg(64, 64);
    await imageEdit(
      { model: 'imagen-3.0-capability-001', image: jpeg, prompt: 'A red kite' },
      { provider: vertex(), allowRetired: true },
    );
    expect(imagenReferences(sim.lastRequest())[0]?.referenceImage?.bytesBase64Encoded).toBe(
      jpeg.toString('base64'),
    );
  });

  it.each([
    ['a mask and mask_mode', { mask, mask_mode: 'background' }, 'mask_mode'],
    ['outpaint without a mask', { edit_mode: 'outpaint' }, 'mask'],
    ['semantic without classes', { mask_mode: 'semantic' }, 'mask_classes'],
    ['classes without semantic', { mask_mode: 'background', mask_classes: [1] }, 'mask_classes'],
    ['dilation without a mask', { mask_dilation: 0.1 }, 'mask_dilation'],
    ['n: 5', { n: 5 }, 'n'],
    ['seed with a watermark', { seed: 1, add_watermark: true }, 'seed'],
    ['output_compression with png', { output_compression: 50 }, 'output_compression'],
    ['a bad edit_mode', { edit_mode: 'paint' }, 'edit_mode'],
    ['insertion without a prompt', { mask, prompt: '' }, 'prompt'],
    ['two images', { image: [image, image] }, 'image'],
    ['a webp image', { image: Buffer.from('RIFF\x24\x00\x00\x00WEBPVP8 ', 'latin1') }, 'image'],
  ])('%s is a 400 before any call', async (_name, params, param) => {
    const error = await rejectionOf(imagen(params), BadRequestError);
    expect(error.param).toBe(param);
    expect(sim.requests).toHaveLength(0);
  });

  it('size is not something Imagen edits honour: UnsupportedParamsError, or dropped with a warning', async () => {
    const error = await rejectionOf(imagen({ size: '1024x1024' }), UnsupportedParamsError);
    expect(error.param).toBe('size');
    const response = await imagen({ size: '1024x1024', drop_params: true });
    expect(getMeta(response).warnings.join(' ')).toContain('dropped size');
    expect(body().parameters).not.toHaveProperty('aspectRatio');
  });

  it('echoes the output_format Imagen made (predictions[].mimeType), not the one asked for', async () => {
    sim.injectFault({
      type: 'status',
      status: 200,
      body: {
        predictions: [{ mimeType: 'image/jpeg', bytesBase64Encoded: createJpeg(64, 64).toString('base64') }],
      },
    });
    const response = await imagen({});
    expect(response.output_format).toBe('jpeg');
    expect(response.data).toHaveLength(1);
  });

  it('a filtered sample is a warning when others survive, and only delivered images are priced', async () => {
    sim.queueOutcome('some-filtered');
    const response = await imageEdit(
      { model: 'imagen-3.0-capability-001', image, prompt: 'A red kite', n: 2 },
      { provider: vertex(), allowRetired: true, modelInfo: { output_cost_per_image: 0.04 } },
    );
    expect(response.data).toHaveLength(1);
    expect(getMeta(response).warnings.join(' ')).toContain('1 of 2 images filtered');
    expect(getMeta(response).costUsd).toBe(0.04);
  });

  it('all samples filtered is a ContentPolicyViolationError with the reason', async () => {
    sim.queueOutcome('image-safety');
    const error = await rejectionOf(imagen({ n: 2 }), ContentPolicyViolationError);
    expect(error.status).toBe(400);
    expect(error.message).toContain('Support codes');
  });

  it('a blocked prompt (Imagen answers 400) is a ContentPolicyViolationError', async () => {
    const error = await rejectionOf(
      imagen({ prompt: 'A red kite [sim:block]' }),
      ContentPolicyViolationError,
    );
    expect(error.status).toBe(400);
    expect(error.message).toContain('Responsible AI');
  });
});

describe('Gemini on Vertex', () => {
  it('sends the shared generateContent body plus personGeneration and imageOutputOptions', async () => {
    const prompt = 'Put both on a table';
    await imageEdit(
      {
        model: 'gemini-2.5-flash-image',
        image: [image, createPng(32, 32)],
        prompt,
        size: '1792x1024',
        output_format: 'jpeg',
        output_compression: 70,
        person_generation: 'allow_none',
      } as never,
      { provider: vertex() },
    );
    const request = sim.lastRequest();
    expect(request.path).toBe(
      `/v1/projects/${PROJECT}/locations/us-central1/publishers/google/models/gemini-2.5-flash-image:generateContent`,
    );
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request.json).toEqual({
      contents: [
        {
          role: 'user',
          parts: [
            { text: prompt },
            { inlineData: { mimeType: 'image/png', data: image.toString('base64') } },
            { inlineData: { mimeType: 'image/png', data: createPng(32, 32).toString('base64') } },
          ],
        },
      ],
      generationConfig: {
        responseModalities: ['TEXT', 'IMAGE'],
        imageConfig: {
          aspectRatio: '16:9',
          personGeneration: 'ALLOW_NONE',
          imageOutputOptions: { mimeType: 'image/jpeg', compressionQuality: 70 },
        },
      },
    });
  });

  it('prices from usageMetadata and takes imageSize from quality on Gemini 3', async () => {
    const response = await imageEdit(
      { model: 'gemini-3-pro-image-preview', image, prompt: 'x', quality: 'high' },
      { provider: vertex() },
    );
    expect(geminiImageConfig(sim.lastRequest())).toEqual({ imageSize: '4K' });
    expect(response.usage?.output_tokens_details?.image_tokens).toBe(2000);
    const cost = getMeta(response).costUsd ?? 0;
    expect(cost).toBeGreaterThan(2000 * 120e-6);
    expect(cost).toBeLessThan(0.3);
  });

  it('a blocked prompt is a 400 ContentPolicyViolationError', async () => {
    const error = await rejectionOf(
      imageEdit({ model: 'gemini-2.5-flash-image', image, prompt: 'x [sim:block]' }, { provider: vertex() }),
      ContentPolicyViolationError,
    );
    expect(error.status).toBe(400);
  });

  it('takes the Vertex-only safety categories and method, which the Gemini API refuses', async () => {
    const safety = [
      {
        category: 'HARM_CATEGORY_IMAGE_SEXUALLY_EXPLICIT',
        threshold: 'BLOCK_LOW_AND_ABOVE',
        method: 'SEVERITY',
      },
      { category: 'HARM_CATEGORY_JAILBREAK', threshold: 'BLOCK_ONLY_HIGH' },
    ];
    await imageEdit(
      { model: 'gemini-2.5-flash-image', image, prompt: 'x', safety_settings: safety } as never,
      { provider: vertex() },
    );
    expect((sim.lastRequest().json as { safetySettings: unknown }).safetySettings).toEqual(safety);
    const wrongMethod = await rejectionOf(
      imageEdit(
        {
          model: 'gemini-2.5-flash-image',
          image,
          prompt: 'x',
          safety_settings: [{ category: 'HARM_CATEGORY_JAILBREAK', threshold: 'OFF', method: 'LOUDNESS' }],
        } as never,
        { provider: vertex() },
      ),
      BadRequestError,
    );
    expect(wrongMethod.param).toBe('safety_settings');
  });

  it('n = 2 is two generateContent calls', async () => {
    const response = await imageEdit(
      { model: 'gemini-2.5-flash-image', image, prompt: 'x', n: 2 },
      { provider: vertex() },
    );
    expect(response.data).toHaveLength(2);
    expect(sim.requests).toHaveLength(2);
  });

  it.each([
    ['output_compression with png', { output_compression: 10 }, BadRequestError, 'output_compression'],
    ['webp output', { output_format: 'webp' }, BadRequestError, 'output_format'],
    ['a mask', { mask }, UnsupportedParamsError, 'mask'],
    ['a bad person_generation', { person_generation: 'everyone' }, BadRequestError, 'person_generation'],
  ])('%s is refused before any call', async (_name, params, ErrorClass, param) => {
    const error = await rejectionOf(
      imageEdit({ model: 'gemini-2.5-flash-image', image, prompt: 'x', ...params } as never, {
        provider: vertex(),
      }),
      ErrorClass,
    );
    expect(error.param).toBe(param);
    expect(sim.requests).toHaveLength(0);
  });

  it('nano-banana-* is the Gemini API alias only', () => {
    expect(vertex().capabilities('nano-banana-pro-preview')).toBeUndefined();
    expect(vertex().capabilities('gemini-3.1-flash-image-preview')?.maxImages).toBe(14);
  });
});
