import { startOpenRouterSimulator } from '@retouch/testing';
import type { DemoProvider } from './demo-case.js';

const API_KEY = 'sk-or-demo-offline';

/** OpenRouter: Gemini on the chat path, gpt-image on the /images path. */
export const openrouterDemo: DemoProvider = {
  async start() {
    const simulator = await startOpenRouterSimulator({ apiKey: API_KEY });
    process.env.OPENROUTER_API_KEY = API_KEY;
    process.env.OPENROUTER_API_BASE = `${simulator.url}/api/v1`;
    process.env.OR_APP_NAME = 'retouch demo';
    return () => simulator.close();
  },
  cases: ({ landscape, balloon, mask }) => [
    {
      title: 'openrouter: gemini, two images (chat)',
      slug: 'openrouter-gemini',
      params: {
        model: 'openrouter/google/gemini-3.1-flash-image',
        image: [landscape, balloon],
        prompt: 'Float the balloon from the second image above the hills',
        size: '1536x1024',
        quality: 'high',
      },
    },
    {
      title: 'openrouter: gemini via /images',
      slug: 'openrouter-gemini-images',
      params: {
        model: 'openrouter/google/gemini-3.1-flash-image',
        image: landscape,
        prompt: 'Make it autumn',
        openrouter_endpoint: 'images',
        aspect_ratio: '16:9',
      },
    },
    {
      title: 'openrouter: gpt-image-2, n=2 (/images)',
      slug: 'openrouter-gpt-image',
      params: {
        model: 'openrouter/openai/gpt-image-2',
        image: landscape,
        prompt: 'Add a rainbow',
        n: 2,
        quality: 'medium',
      },
    },
    {
      title: 'openrouter: a mask',
      slug: 'openrouter-bad',
      params: {
        model: 'openrouter/google/gemini-3.1-flash-image',
        image: landscape,
        mask,
        prompt: 'No masks here',
      },
      expectError: true,
    },
  ],
};
