import { isIP } from 'node:net';
import { classifyAddress } from './address-ranges.js';
import { EgressConfigError, EgressRefusedAddressError, EgressRefusedPathError } from './egress.errors.js';

/** An EGRESS_ALLOW_HOSTS entry: a host, on any port unless one is given. */
export interface AllowedHost {
  readonly host: string;
  readonly port?: number;
}

/**
 * A host:port reached whatever it resolves to, but only under one path prefix: how the demo
 * echo lets the service reach its own port without opening every other route on it.
 */
export interface AllowedPath {
  readonly host: string;
  readonly port: number;
  /** Without a trailing slash, e.g. `/demo/openai/v1`: it matches itself and what lies below it. */
  readonly pathPrefix: string;
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
  private readonly allowedPaths: readonly AllowedPath[];

  constructor(
    private readonly allowPrivate: boolean,
    allowHosts: readonly string[],
    allowPaths: readonly AllowedPath[] = [],
  ) {
    this.allowedHosts = parseAllowHosts(allowHosts);
    this.allowedPaths = allowPaths.map((p) => ({
      host: normaliseHost(p.host),
      port: p.port,
      pathPrefix: p.pathPrefix.replace(/\/+$/, ''),
    }));
  }

  /**
   * True when connections to this host and port skip the address check. A path-limited entry
   * exempts the connection too (sockets know no path); checkPath then keeps each request on it
   * under its prefix, before a pooled connection could be reused for another path.
   */
  exempts(host: string, port: number): boolean {
    return this.wholeHostExempt(host, port) || this.pathLimited(host, port).length > 0;
  }

  /**
   * Throws EgressRefusedPathError when `host:port` is exempt only under some path prefixes and
   * `pathname` (already normalised by URL parsing: no `.` or `..` segments) is under none.
   */
  checkPath(host: string, port: number, pathname: string): void {
    if (this.wholeHostExempt(host, port)) return;
    const limited = this.pathLimited(host, port);
    if (limited.length === 0) return;
    const under = (prefix: string) => pathname === prefix || pathname.startsWith(`${prefix}/`);
    if (!limited.some((p) => under(p.pathPrefix))) throw new EgressRefusedPathError(host, port);
  }

  private wholeHostExempt(host: string, port: number): boolean {
    if (this.allowPrivate) return true;
    const name = normaliseHost(host);
    return this.allowedHosts.some(
      (allowed) => allowed.host === name && (allowed.port === undefined || allowed.port === port),
    );
  }

  private pathLimited(host: string, port: number): AllowedPath[] {
    const name = normaliseHost(host);
    return this.allowedPaths.filter((p) => p.host === name && p.port === port);
  }

  /** Throws EgressRefusedAddressError unless `address` (what `host` resolved to) is public. */
  checkAddress(host: string, address: string): void {
    const kind = classifyAddress(address);
    if (kind !== 'public') throw new EgressRefusedAddressError(host, address, kind);
  }
}
