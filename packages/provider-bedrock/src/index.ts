export { BEDROCK_MAX_BODY_BYTES, BEDROCK_MAX_N, BEDROCK_MODELS } from './bedrock-capabilities.js';
export { BEDROCK_CATALOGUE, bedrockCatalogue } from './bedrock-catalogue.js';
export type { AwsCredentialProvider, AwsCredentials } from './bedrock-credentials.js';
export { invokePath } from './bedrock-endpoint.js';
export type { BedrockStabilityOptions } from './bedrock-options.js';
export type { BedrockProviderSettings } from './bedrock-provider.js';
export { bedrock, createBedrock, providerPackage } from './bedrock-provider.js';
export type { BedrockSigningInput } from './bedrock-sign.js';
export { BEDROCK_SIGNING_NAME, signBedrockRequest } from './bedrock-sign.js';
