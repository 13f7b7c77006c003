import type { TokenCredential } from '@azure/core-auth';

/**
 * The managed identity's credential, loaded on first use. `@azure/identity` is the heaviest module
 * of the app and a local run (a connection string) never needs it, so it is imported when the
 * first token is asked for rather than when the app loads: cold starts stay shorter everywhere.
 */
export function managedIdentityCredential(clientId: string | undefined): TokenCredential {
  let credential: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes, options) {
      credential ??= import('@azure/identity').then(
        ({ DefaultAzureCredential }) => new DefaultAzureCredential(clientId !== undefined ? { managedIdentityClientId: clientId } : {}),
      );
      return (await credential).getToken(scopes, options);
    },
  };
}
