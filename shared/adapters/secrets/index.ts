/**
 * Secrets behind the Secrets port.
 *  - AWS: `registeringSecrets(new SecretsManagerSecrets({ accounts: deployment.accounts }))`.
 *  - Local: `registeringSecrets(new EnvSecrets())` (environment, then `.env`).
 * `registeringSecrets` registers every loaded value with the log redactor.
 */
export {
  credentialsFromJsonText,
  credentialsFromRecord,
  SecretsError,
  type SecretsErrorReason,
} from './credentials-record.js';
export { DotenvError, parseDotenv } from './dotenv.js';
export {
  type CredentialVariables,
  credentialVariables,
  EnvSecrets,
  type EnvSecretsOptions,
} from './env-secrets.js';
export { registeringSecrets } from './registering-secrets.js';
export {
  DEFAULT_SECRET_MAX_AGE_SECONDS,
  SecretsManagerSecrets,
  type SecretsManagerSecretsOptions,
} from './secrets-manager.js';
