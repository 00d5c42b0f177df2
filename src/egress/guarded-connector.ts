import { promises as dns, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import type { EgressPolicy } from './egress-policy.js';
import { EgressConnectFailedError, EgressRefusedAddressError, EgressTimeoutError } from './egress.errors.js';

/** Name resolution, replaceable so that tests can play a DNS server that changes its answers. */
export type Resolver = (hostname: string) => Promise<readonly LookupAddress[]>;

/** What Node itself would use: getaddrinfo, so /etc/hosts and the system's resolver apply. */
export const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/**
 * A `lookup` for net/tls.connect that checks every address the name resolves to, in the very
 * resolution the socket then connects with. Checking in a separate step before connecting would
 * let a DNS answer that changes in between (DNS rebinding) reach a forbidden address.
 * A name with any forbidden answer is refused whole, even if a public answer sits next to it.
 */
export function guardedLookup(resolve: Resolver, check: (host: string, address: string) => void): LookupFunction {
  return (hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    resolve(hostname).then(
      (answers) => {
        let usable: LookupAddress[];
        try {
          for (const answer of answers) check(hostname, answer.address);
          usable = answers.filter((a) => !family || a.family === family);
        } catch (err) {
          return callback(err as NodeJS.ErrnoException, '', 0);
        }
        if (usable.length === 0) {
          return callback(Object.assign(new Error(`${hostname} has no usable address`), { code: 'ENOTFOUND' }), '', 0);
        }
        if (options.all) return callback(null, usable);
        callback(null, usable[0].address, usable[0].family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

/**
 * The undici connector every outbound socket goes through: an IP literal is checked before any
 * packet is sent, a name in its lookup (see guardedLookup), and every failure comes out as an
 * egress error of the connect phase.
 */
export function guardedConnector(
  policy: EgressPolicy,
  resolve: Resolver,
  connectTimeoutMs: number,
): buildConnector.connector {
  const guarded = buildConnector({
    timeout: connectTimeoutMs,
    lookup: guardedLookup(resolve, (h, a) => policy.checkAddress(h, a)),
  });
  const exempt = buildConnector({ timeout: connectTimeoutMs, lookup: guardedLookup(resolve, () => undefined) });

  return (options, callback) => {
    const origin = `${options.protocol}//${options.host}`;
    const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
    const connect = policy.exempts(options.hostname, port) ? exempt : guarded;
    if (connect === guarded && isIP(options.hostname)) {
      try {
        policy.checkAddress(options.hostname, options.hostname);
      } catch (err) {
        // Asynchronously, as a socket's failure would be: undici does not expect it within the call.
        queueMicrotask(() => callback(err as Error, null));
        return;
      }
    }
    connect(options, (err, socket) =>
      err ? callback(connectError(err, origin, connectTimeoutMs), null) : callback(null, socket),
    );
  };
}

function connectError(err: Error, origin: string, connectTimeoutMs: number): Error {
  if (err instanceof EgressRefusedAddressError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new EgressTimeoutError(origin, 'connect', connectTimeoutMs);
  return new EgressConnectFailedError(origin, code ?? err.name);
}
