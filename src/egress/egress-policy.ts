import { isIP } from 'node:net';
import { classifyAddress } from './address-ranges.js';
import { EgressConfigError, EgressRefusedAddressError } from './egress.errors.js';

/** An EGRESS_ALLOW_HOSTS entry: a host, on any port unless one is given. */
export interface AllowedHost {
  readonly host: string;
  readonly port?: number;
}

const HOST_AND_PORT = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/i;
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/**
 * Reads `host`, `host:port`, `[v6]`, `[v6]:port` (or a bare v6 address) entries. Refuses
 * anything else at start-up, rather than quietly allowing nothing (or too much).
 */
export function parseAllowHosts(entries: readonly string[]): AllowedHost[] {
  return entries.map((raw) => {
    const entry = raw.trim();
    if (isIP(entry) === 6) return { host: normaliseHost(entry) };
    const match = HOST_AND_PORT.exec(entry);
    const host = match ? normaliseHost(match[1] ?? match[2]) : '';
    const port = match?.[3] === undefined ? undefined : Number(match[3]);
    const validHost = match?.[1] ? isIP(host) === 6 : isIP(host) === 4 || HOSTNAME.test(host);
    if (!validHost || (port !== undefined && (port < 1 || port > 65535))) {
      throw new EgressConfigError(
        `EGRESS_ALLOW_HOSTS: ${JSON.stringify(raw)} is not a host or host:port (e.g. api.example.com, 127.0.0.1:4010, [::1]:4010)`,
      );
    }
    return port === undefined ? { host } : { host, port };
  });
}

/** Lower case, without the root's trailing dot, so that `API.example.com.` and `api.example.com` are one host. */
export function normaliseHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

/**
 * Which addresses outbound calls may connect to: public ones only, unless private ones are
 * allowed altogether (EGRESS_ALLOW_PRIVATE) or the host is allow-listed (EGRESS_ALLOW_HOSTS,
 * matched on the name the URL gives, before any resolution).
 */
export class EgressPolicy {
  private readonly allowedHosts: readonly AllowedHost[];

  constructor(
    private readonly allowPrivate: boolean,
    allowHosts: readonly string[],
  ) {
    this.allowedHosts = parseAllowHosts(allowHosts);
  }

  /** True when connections to this host and port skip the address check. */
  exempts(host: string, port: number): boolean {
    if (this.allowPrivate) return true;
    const name = normaliseHost(host);
    return this.allowedHosts.some(
      (allowed) => allowed.host === name && (allowed.port === undefined || allowed.port === port),
    );
  }

  /** Throws EgressRefusedAddressError unless `address` (what `host` resolved to) is public. */
  checkAddress(host: string, address: string): void {
    const kind = classifyAddress(address);
    if (kind !== 'public') throw new EgressRefusedAddressError(host, address, kind);
  }
}
