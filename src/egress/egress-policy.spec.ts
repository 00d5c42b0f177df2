import type { LookupAddress, LookupOptions } from 'node:dns';
import { EgressPolicy, parseAllowHosts } from './egress-policy.js';
import { EgressConfigError, EgressRefusedAddressError } from './egress.errors.js';
import { guardedLookup, type Resolver } from './guarded-connector.js';

describe('EGRESS_ALLOW_HOSTS', () => {
  it('reads hosts, host:port, and bracketed or bare IPv6 addresses', () => {
    expect(
      parseAllowHosts([
        'API.Example.com.',
        'localhost:4010',
        '127.0.0.1',
        '127.0.0.1:80',
        '[::1]:8080',
        '[::1]',
        '::1',
      ]),
    ).toEqual([
      { host: 'api.example.com' },
      { host: 'localhost', port: 4010 },
      { host: '127.0.0.1' },
      { host: '127.0.0.1', port: 80 },
      { host: '::1', port: 8080 },
      { host: '::1' },
      { host: '::1' },
    ]);
  });

  const malformed = ['http://example.com', 'example.com/path', 'host:0', 'host:65536', 'host:', ':80'];
  it.each([...malformed, '[example.com]:80', 'a b', '*.example.com', '[::1', ''])(
    'refuses %j at start-up, saying what an entry looks like',
    (entry) => {
      expect(() => parseAllowHosts([entry])).toThrow(EgressConfigError);
      expect(() => parseAllowHosts([entry])).toThrow(/EGRESS_ALLOW_HOSTS: .* is not a host or host:port \(e\.g\. /);
    },
  );

  it('exempts a listed host on any port, a host:port on that port only, and everything with allowPrivate', () => {
    const policy = new EgressPolicy(false, ['upstream.test', '127.0.0.1:4010']);
    expect(policy.exempts('upstream.test', 80)).toBe(true);
    expect(policy.exempts('UPSTREAM.test.', 8443)).toBe(true);
    expect(policy.exempts('127.0.0.1', 4010)).toBe(true);
    expect(policy.exempts('127.0.0.1', 4011)).toBe(false);
    expect(policy.exempts('other.test', 80)).toBe(false);
    expect(new EgressPolicy(true, []).exempts('127.0.0.1', 1)).toBe(true);
  });

  it('refuses a forbidden address with a domain error that names the host and the kind, not the address of a name', () => {
    const policy = new EgressPolicy(false, []);
    expect(() => policy.checkAddress('8.8.8.8', '8.8.8.8')).not.toThrow();
    const err = (() => {
      try {
        policy.checkAddress('internal.test', '10.1.2.3');
      } catch (e) {
        return e as EgressRefusedAddressError;
      }
    })();
    expect(err).toBeInstanceOf(EgressRefusedAddressError);
    expect(err).toMatchObject({ code: 'egress_refused_address', status: 502, kind: 'private', address: '10.1.2.3' });
    expect(err?.message).toBe(
      'Refused to connect to internal.test: it resolves to a private (RFC 1918) address, which outbound calls may not reach',
    );
    expect(() => policy.checkAddress('169.254.169.254', '169.254.169.254')).toThrow(
      /169\.254\.169\.254: it is a cloud metadata address/,
    );
  });
});

describe('guardedLookup', () => {
  const policy = new EgressPolicy(false, []);
  const check = (host: string, address: string) => policy.checkAddress(host, address);

  function lookup(resolve: Resolver, options: LookupOptions = { all: true }): Promise<LookupAddress[] | string> {
    return new Promise((resolvePromise, reject) =>
      guardedLookup(resolve, check)('upstream.test', options, (err, address) =>
        err ? reject(err) : resolvePromise(address),
      ),
    );
  }

  it('checks every resolution anew, so an answer that changes to a private address is refused', async () => {
    const answers = [[{ address: '203.0.113.7', family: 4 }], [{ address: '127.0.0.1', family: 4 }]];
    const rebinding: Resolver = async () => answers.shift() ?? [];
    await expect(lookup(rebinding)).resolves.toEqual([{ address: '203.0.113.7', family: 4 }]);
    await expect(lookup(rebinding)).rejects.toThrow(EgressRefusedAddressError);
  });

  it('refuses a name when any of its answers is forbidden, even next to a public one', async () => {
    const mixed: Resolver = async () => [
      { address: '203.0.113.7', family: 4 },
      { address: '::ffff:127.0.0.1', family: 6 },
    ];
    await expect(lookup(mixed)).rejects.toMatchObject({ code: 'egress_refused_address', kind: 'loopback' });
    await expect(lookup(mixed, { family: 4 })).rejects.toThrow(EgressRefusedAddressError);
  });

  it('hands the socket exactly the checked answers, of the family asked for', async () => {
    const dual: Resolver = async () => [
      { address: '2001:db8::1', family: 6 },
      { address: '203.0.113.7', family: 4 },
    ];
    await expect(lookup(dual)).resolves.toEqual([
      { address: '2001:db8::1', family: 6 },
      { address: '203.0.113.7', family: 4 },
    ]);
    await expect(lookup(dual, { family: 4 })).resolves.toBe('203.0.113.7');
    await expect(lookup(dual, { family: 'IPv6' })).resolves.toBe('2001:db8::1');
  });

  it('reports a name without answers, or a resolver failure, as not found', async () => {
    await expect(lookup(async () => [])).rejects.toMatchObject({ code: 'ENOTFOUND' });
    const failing: Resolver = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND upstream.test'), { code: 'ENOTFOUND' });
    };
    await expect(lookup(failing)).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});
