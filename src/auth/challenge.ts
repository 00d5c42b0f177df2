export const REALM = 'providers';

/**
 * The WWW-Authenticate challenge of a 401. Per RFC 6750 §3 it says why when a token was
 * presented and refused (`invalidToken`), and only then.
 */
export function bearerChallenge({ invalidToken = false }: { invalidToken?: boolean } = {}): string {
  return `Bearer realm="${REALM}"${invalidToken ? ', error="invalid_token"' : ''}`;
}
