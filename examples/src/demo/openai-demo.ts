import { startOpenAISimulator } from '@retouch/testing';
import type { DemoProvider } from './demo-case.js';

const API_KEY = 'sk-demo-offline';

export const openaiDemo: DemoProvider = {
  async start() {
    // gpt-image-9 stands for a model OpenAI releases after this retouch version.
    const simulator = await startOpenAISimulator({
      apiKey: API_KEY,
      extraModels: { 'gpt-image-9': 'gpt-image-2.6-sunburst' },
    });
    process.env.OPENAI_API_KEY = API_KEY;
    process.env.OPENAI_BASE_URL = `${simulator.url}/v1`;
    return () => simulator.close();
  },
  cases: ({ landscape, balloon, mask }) => [
    {
      title: 'openai: masked edit',
      slug: 'openai-mask',
      params: {
        model: 'gpt-image-2.6-sunburst',
        image: landscape,
        mask,
        prompt: 'Replace the sun with a full moon',
        quality: 'medium',
      },
    },
    {
      title: 'openai: two images, n=2',
      slug: 'openai-two-images',
      params: {
        model: 'openai/gpt-image-2.6-flare',
        image: [landscape, balloon],
        prompt: 'Float the balloon from the second image above the hills',
        n: 2,
        size: '1024x1024',
      },
    },
    {
      title: 'openai: gpt-image-9, not in the catalogue (family rules)',
      slug: 'openai-unlisted',
      params: { model: 'gpt-image-9', image: landscape, prompt: 'A night sky', size: '1536x864' },
    },
    {
      title: 'openai: gpt-image-1 (retired 2026-10-23)',
      slug: 'openai-retired',
      params: { model: 'gpt-image-1', image: landscape, prompt: 'Refused before any upload' },
      expectError: true,
    },
    {
      title: 'openai: bad input',
      slug: 'openai-bad',
      params: { model: 'gpt-image-2', image: landscape, prompt: 'Under the pixel floor', size: '512x512' },
      expectError: true,
    },
  ],
};
