/**
 * Wraps any Secrets port so that every credential it hands out is first registered with the redactor:
 * from then on no logger or notifier using that redactor can print those values.
 */
import type { Credentials, Login, Secrets } from '../../ports/secrets.js';
import { processRedactor, type Redactor } from '../logging/redactor.js';

export function registeringSecrets(inner: Secrets, redactor: Redactor = processRedactor): Secrets {
  return {
    async credentials(accountId: string): Promise<Credentials> {
      const credentials = await inner.credentials(accountId);
      redactor.registerCredentials(credentials);
      return credentials;
    },
    async login(name: string): Promise<Login> {
      const login = await inner.login(name);
      redactor.register(login.secretValues());
      return login;
    },
  };
}
