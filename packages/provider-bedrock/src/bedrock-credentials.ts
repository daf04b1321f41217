/**
 * How a Bedrock call authenticates, resolved per call: a Bedrock API key (`Authorization: Bearer`),
 * or AWS credentials for SigV4 — from the settings, from the standard environment variables, or from
 * the AWS SDK's own provider chain (profiles, SSO, web identity, container and instance roles) when
 * `@aws-sdk/credential-providers` is installed. Credential files are never parsed here.
 * @module
 */
import { AuthenticationError, loadSetting } from '@retouch/core';

/** AWS credentials for SigV4. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Set for temporary credentials (sent as `x-amz-security-token`). */
  sessionToken?: string;
  /** When temporary credentials expire. */
  expiration?: Date;
}

/** Returns (possibly refreshed) credentials; called once per call. */
export type AwsCredentialProvider = () => Promise<AwsCredentials>;

/** What a call authenticates with. */
export type BedrockAuth = { type: 'bearer'; token: string } | { type: 'sigv4'; credentials: AwsCredentials };

/** The credential settings of the provider. */
export interface BedrockCredentialSettings {
  apiKey?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  credentials?: AwsCredentials | AwsCredentialProvider;
  profile?: string;
}

interface CredentialProvidersModule {
  fromNodeProviderChain(init?: { profile?: string }): AwsCredentialProvider;
}

const PROVIDER = 'bedrock';
const OPTIONAL_PACKAGE = '@aws-sdk/credential-providers';

function authError(message: string, cause?: unknown): AuthenticationError {
  return new AuthenticationError({
    message: `${PROVIDER}: ${message}`,
    provider: PROVIDER,
    code: 'missing_credentials',
    cause,
  });
}

function checked(credentials: AwsCredentials, source: string): AwsCredentials {
  if (typeof credentials?.accessKeyId !== 'string' || typeof credentials.secretAccessKey !== 'string') {
    throw authError(`${source} did not give an accessKeyId and a secretAccessKey.`);
  }
  return credentials;
}

function fromPair(
  accessKeyId: string | undefined,
  secretAccessKey: string | undefined,
  sessionToken: string | undefined,
  names: [string, string],
): AwsCredentials | undefined {
  if (!accessKeyId && !secretAccessKey) return undefined;
  if (!accessKeyId || !secretAccessKey) {
    throw authError(`${accessKeyId ? names[1] : names[0]} is missing: set both ${names[0]} and ${names[1]}.`);
  }
  return { accessKeyId, secretAccessKey, sessionToken: sessionToken || undefined };
}

async function loadCredentialProviders(): Promise<CredentialProvidersModule | undefined> {
  try {
    // Optional peer dependency: only loaded when nothing explicit is configured.
    return (await import(OPTIONAL_PACKAGE)) as CredentialProvidersModule;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

/**
 * Builds the per-call resolver. Order: `apiKey` (bearer); `credentials`; `accessKeyId` +
 * `secretAccessKey`; `profile` (through the SDK chain); `AWS_BEARER_TOKEN_BEDROCK`; `AWS_PROFILE`
 * (through the SDK chain, which prefers it to static keys); `AWS_ACCESS_KEY_ID` +
 * `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`); then the AWS SDK's default chain from
 * `@aws-sdk/credential-providers`, if installed.
 *
 * @example
 * ```ts
 * const resolveAuth = createAuthResolver({ profile: 'dev' });
 * const auth = await resolveAuth(); // { type: 'sigv4', credentials: { accessKeyId: 'AKIA…', … } }
 * ```
 */
export function createAuthResolver(settings: BedrockCredentialSettings): () => Promise<BedrockAuth> {
  let chain: AwsCredentialProvider | undefined;

  /** The SDK chain's credentials, or `undefined` when `@aws-sdk/credential-providers` is not installed. */
  async function fromChain(profile: string | undefined): Promise<BedrockAuth | undefined> {
    if (!chain) {
      const module = await loadCredentialProviders();
      if (!module) return undefined;
      chain = module.fromNodeProviderChain(profile ? { profile } : {});
    }
    try {
      return { type: 'sigv4', credentials: checked(await chain(), 'the AWS credential chain') };
    } catch (error) {
      if (AuthenticationError.isInstance(error)) throw error;
      throw authError(`could not load AWS credentials (${(error as Error).message}).`, error);
    }
  }

  return async () => {
    if (settings.apiKey) return { type: 'bearer', token: settings.apiKey };
    const { credentials } = settings;
    if (credentials) {
      const value = typeof credentials === 'function' ? await credentials() : credentials;
      return { type: 'sigv4', credentials: checked(value, 'the credentials setting') };
    }
    const explicit = fromPair(settings.accessKeyId, settings.secretAccessKey, settings.sessionToken, [
      'accessKeyId',
      'secretAccessKey',
    ]);
    if (explicit) return { type: 'sigv4', credentials: explicit };
    if (settings.profile) {
      const chained = await fromChain(settings.profile);
      if (chained) return chained;
      throw authError(
        `profile "${settings.profile}" needs @aws-sdk/credential-providers; install it, or pass accessKeyId and secretAccessKey.`,
      );
    }
    const bearer = loadSetting(undefined, ['AWS_BEARER_TOKEN_BEDROCK']);
    if (bearer) return { type: 'bearer', token: bearer };
    const env = process.env;
    // As the AWS SDK does: a named AWS_PROFILE wins over static keys in the environment.
    if (env.AWS_PROFILE) {
      const chained = await fromChain(undefined);
      if (chained) return chained;
    }
    const fromEnv = fromPair(env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN, [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
    ]);
    if (fromEnv) return { type: 'sigv4', credentials: fromEnv };
    const chained = await fromChain(undefined);
    if (chained) return chained;
    throw authError(
      'no credentials. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN for temporary credentials) or AWS_BEARER_TOKEN_BEDROCK, pass accessKeyId/secretAccessKey or apiKey, or install @aws-sdk/credential-providers to use profiles, SSO and instance roles.',
    );
  };
}

/**
 * The secret values of an auth, for redaction.
 *
 * @example
 * ```ts
 * authSecrets({ type: 'bearer', token: 'bedrock-key' }); // ['bedrock-key']
 * ```
 */
export function authSecrets(auth: BedrockAuth | undefined): string[] {
  if (!auth) return [];
  if (auth.type === 'bearer') return [auth.token];
  return [auth.credentials.secretAccessKey, auth.credentials.sessionToken].filter(
    (value): value is string => !!value,
  );
}
