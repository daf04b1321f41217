export { OPENAI_MODELS } from './openai-capabilities.js';
export type { OpenAIProviderSettings } from './openai-provider.js';
export { createOpenAI, openai, providerPackage } from './openai-provider.js';
