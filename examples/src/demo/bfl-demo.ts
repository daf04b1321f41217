import { startBFLSimulator } from '@retouch/testing';
import type { DemoProvider } from './demo-case.js';

const API_KEY = 'bfl-demo-offline';

/** Black Forest Labs: Kontext, Fill (inpainting), Expand (outpainting) and FLUX.2, submit-then-poll. */
export const bflDemo: DemoProvider = {
  async start() {
    // Tasks stay Pending for two polls of their polling_url, as real ones do for a few seconds.
    const simulator = await startBFLSimulator({ apiKey: API_KEY, pendingPolls: 2 });
    process.env.BFL_API_KEY = API_KEY;
    process.env.BFL_API_BASE = simulator.url;
    return () => simulator.close();
  },
  cases: ({ landscape, balloon, mask }) => [
    {
      title: 'bfl: kontext-pro, signed url',
      slug: 'bfl-kontext',
      params: {
        model: 'black_forest_labs/flux-kontext-pro',
        image: landscape,
        prompt: 'Turn the scene into a winter landscape',
      },
    },
    {
      title: 'bfl: fill (inpaint the sky)',
      slug: 'bfl-fill',
      params: {
        model: 'black_forest_labs/flux-pro-1.0-fill',
        image: landscape,
        mask,
        prompt: 'A sky full of stars',
        output_format: 'png',
        response_format: 'b64_json',
      },
    },
    {
      title: 'bfl: expand top+bottom',
      slug: 'bfl-expand',
      params: {
        model: 'black_forest_labs/flux-pro-1.0-expand',
        image: landscape,
        prompt: 'More sky above, more meadow below',
        top: 128,
        bottom: 128,
        output_format: 'png',
      },
    },
    {
      title: 'bfl: flux-2-pro, two images',
      slug: 'bfl-flux-2',
      params: {
        model: 'black_forest_labs/flux-2-pro',
        image: [landscape, balloon],
        prompt: 'Float the balloon from the second image above the hills',
        size: '512x384',
        output_format: 'png',
        seed: 42,
      },
    },
    {
      title: 'bfl: expand without sides',
      slug: 'bfl-bad',
      params: { model: 'black_forest_labs/flux-pro-1.0-expand', image: landscape, prompt: 'Bigger' },
      expectError: true,
    },
  ],
};
