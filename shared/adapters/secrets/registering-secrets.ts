/**
 * Wraps any Secrets port so that every credential it hands out is first registered with the redactor:
 * from then on no logger or notifier using that redactor can print those values.
 */
import type { Credentials, ProxyCredentials, Secrets } from '../../ports/secrets.js';
import { processRedactor, type Redactor } from '../logging/redactor.js';

export function registeringSecrets(inner: Secrets, redactor: Redactor = processRedactor): Secrets {
  return {
    async credentials(accountId: string): Promise<Credentials> {
      const credentials = await inner.credentials(accountId);
      redactor.registerCredentials(credentials);
      return credentials;
    },
    async proxyCredentials(proxyId: string): Promise<ProxyCredentials> {
      const login = await inner.proxyCredentials(proxyId);
      redactor.register(login.secretValues());
      return login;
    },
  };
}
