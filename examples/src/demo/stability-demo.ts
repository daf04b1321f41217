import { startStabilitySimulator } from '@retouch/testing';
import type { DemoProvider } from './demo-case.js';

const API_KEY = 'sk-stability-demo-offline';

/** Stability AI v2beta: inpaint, search-and-replace, relight (submit-then-poll) and style transfer. */
export const stabilityDemo: DemoProvider = {
  async start() {
    // Async results are ready at the first poll here; real ones take tens of seconds (polled every 10 s).
    const simulator = await startStabilitySimulator({ apiKey: API_KEY, pendingPolls: 0 });
    process.env.STABILITY_API_KEY = API_KEY;
    process.env.STABILITY_API_BASE = simulator.url;
    return () => simulator.close();
  },
  cases: ({ landscape, balloon, mask }) => [
    {
      title: 'stability: inpaint with an OpenAI mask',
      slug: 'stability-inpaint',
      params: {
        model: 'stability/inpaint',
        image: landscape,
        mask,
        prompt: 'A sky full of stars',
        grow_mask: 8,
      },
    },
    {
      title: 'stability: search-and-replace',
      slug: 'stability-search-replace',
      params: {
        model: 'stability/search-and-replace',
        image: landscape,
        prompt: 'a red barn',
        search_prompt: 'the tree',
        output_format: 'png',
      },
    },
    {
      title: 'stability: relight (async), background reference',
      slug: 'stability-relight',
      params: {
        model: 'stability/replace-background-and-relight',
        image: [balloon, landscape],
        prompt: '',
        light_source_direction: 'above',
      },
    },
    {
      title: 'stability: style-transfer, two images',
      slug: 'stability-style-transfer',
      params: {
        model: 'stability/style-transfer',
        image: [landscape, balloon],
        prompt: 'a meadow',
        style_strength: 0.8,
      },
    },
    {
      title: 'stability: outpaint without sides',
      slug: 'stability-bad',
      params: { model: 'stability/outpaint', image: landscape, prompt: 'More meadow' },
      expectError: true,
    },
  ],
};
