import { BEDROCK_SIMULATOR_CREDENTIALS, startBedrockSimulator } from '@retouch/testing';
import type { DemoProvider } from './demo-case.js';

const [credential] = BEDROCK_SIMULATOR_CREDENTIALS;
/** Settings of a developer's own AWS environment that would override the demo's credentials. */
const SHADOWING = ['AWS_BEARER_TOKEN_BEDROCK', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'];
const SET = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_ENDPOINT_URL_BEDROCK_RUNTIME'];

/** AWS Bedrock: the Stability image services, signed with SigV4 and verified by the simulator. */
export const bedrockDemo: DemoProvider = {
  async start() {
    const simulator = await startBedrockSimulator({ region: 'us-east-1' });
    const saved = Object.fromEntries([...SHADOWING, ...SET].map((name) => [name, process.env[name]]));
    for (const name of SHADOWING) delete process.env[name];
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: credential?.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credential?.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: simulator.url,
    });
    return async () => {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await simulator.close();
    };
  },
  cases: ({ landscape, balloon, mask }) => [
    {
      title: 'bedrock: inpaint (SigV4, us. profile)',
      slug: 'bedrock-inpaint',
      params: {
        model: 'bedrock/us.stability.stable-image-inpaint-v1:0',
        image: landscape,
        mask,
        prompt: 'A sky full of stars',
      },
    },
    {
      title: 'bedrock: style transfer, two images',
      slug: 'bedrock-style-transfer',
      params: {
        model: 'bedrock/us.stability.stable-style-transfer-v1:0',
        image: [landscape, balloon],
        prompt: 'a meadow',
        composition_fidelity: 0.9,
      },
    },
    {
      title: 'bedrock: fast upscale 4x',
      slug: 'bedrock-fast-upscale',
      params: { model: 'bedrock/us.stability.stable-fast-upscale-v1:0', image: balloon, prompt: '' },
    },
    {
      title: 'bedrock: a prompt on remove-background',
      slug: 'bedrock-bad',
      params: {
        model: 'bedrock/us.stability.stable-image-remove-background-v1:0',
        image: balloon,
        prompt: 'Remove it',
      },
      expectError: true,
    },
  ],
};
