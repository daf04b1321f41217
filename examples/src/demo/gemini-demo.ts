import { startGeminiSimulator } from '@retouch/testing';
import type { DemoProvider } from './demo-case.js';

const API_KEY = 'gemini-demo-offline';

/** Gemini API: several images with size → aspectRatio, quality → imageSize, n as concurrent calls, a blocked prompt. */
export const geminiDemo: DemoProvider = {
  async start() {
    const simulator = await startGeminiSimulator({ apiKey: API_KEY });
    process.env.GEMINI_API_KEY = API_KEY;
    process.env.GEMINI_API_BASE = simulator.url;
    return () => simulator.close();
  },
  cases: ({ landscape, balloon, mask }) => [
    {
      title: 'gemini: two images, 1792x1024 → 16:9',
      slug: 'gemini-two-images',
      params: {
        model: 'gemini/gemini-3.1-flash-image',
        image: [landscape, balloon],
        prompt: 'Float the balloon from the second image above the hills',
        size: '1792x1024',
      },
    },
    {
      title: 'gemini: 3 pro, quality medium → 2K, n=2',
      slug: 'gemini-pro',
      params: {
        model: 'gemini/gemini-3-pro-image',
        image: landscape,
        prompt: 'Make it a summer evening',
        quality: 'medium',
        n: 2,
      },
    },
    {
      title: 'gemini: blocked prompt',
      slug: 'gemini-blocked',
      params: {
        model: 'gemini/gemini-3.1-flash-image',
        image: landscape,
        prompt: 'Something it refuses [sim:block]',
      },
      expectError: true,
    },
    {
      title: 'gemini: a mask (Gemini takes none)',
      slug: 'gemini-mask',
      params: { model: 'gemini/gemini-3.1-flash-image', image: landscape, mask, prompt: 'A night sky' },
      expectError: true,
    },
  ],
};
