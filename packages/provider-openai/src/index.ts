export {
  DALL_E_2_CAPABILITIES,
  GPT_IMAGE_1_CAPABILITIES,
  GPT_IMAGE_1_MINI_CAPABILITIES,
  GPT_IMAGE_2_CAPABILITIES,
  GPT_IMAGE_2_CUSTOM_SIZES,
  GPT_IMAGE_25_CAPABILITIES,
} from './openai-capabilities.js';
export { OPENAI_CATALOGUE, OPENAI_MODELS } from './openai-catalogue.js';
export type { OpenAIProviderSettings } from './openai-provider.js';
export { createOpenAI, openai, providerPackage } from './openai-provider.js';
