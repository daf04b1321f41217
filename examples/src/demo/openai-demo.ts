import { startOpenAISimulator } from '@retouch/testing';
import type { DemoProvider } from './demo-case.js';

const API_KEY = 'sk-demo-offline';

export const openaiDemo: DemoProvider = {
  async start() {
    const simulator = await startOpenAISimulator({ apiKey: API_KEY });
    process.env.OPENAI_API_KEY = API_KEY;
    process.env.OPENAI_BASE_URL = `${simulator.url}/v1`;
    return () => simulator.close();
  },
  cases: ({ landscape, balloon, mask }) => [
    {
      title: 'openai: masked edit',
      slug: 'openai-mask',
      params: {
        model: 'gpt-image-1',
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
        model: 'openai/gpt-image-1',
        image: [landscape, balloon],
        prompt: 'Float the balloon from the second image above the hills',
        n: 2,
        size: '1024x1024',
      },
    },
    {
      title: 'openai: dall-e-2, url',
      slug: 'openai-dall-e-2',
      params: {
        model: 'dall-e-2',
        image: landscape,
        mask,
        prompt: 'A night sky',
        size: '256x256',
        response_format: 'url',
      },
    },
    {
      title: 'openai: bad input',
      slug: 'openai-bad',
      params: { model: 'dall-e-2', image: [landscape, balloon], prompt: 'Two images are one too many' },
      expectError: true,
    },
  ],
};
