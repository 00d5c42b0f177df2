import { isIPv6 } from 'node:net';

/**
 * The part of an IPv6 address that one client controls: a /64 is one household or one
 * server, and counting its addresses one by one would let it guess from 2^64 of them.
 */
const IPV6_CLIENT_PREFIX_GROUPS = 4;

/**
 * The key a client address is counted under: an IPv4 address as is (also when written as an
 * IPv4-mapped IPv6 address), an IPv6 address by its /64 (the same grouping as
 * @fastify/rate-limit's, which counts when the shared store is unreachable).
 */
export function clientAddressKey(address: string): string {
  if (!isIPv6(address)) return address.toLowerCase();
  const groups = expandIPv6(address.toLowerCase());
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255].join('.');
  }
  return `${groups
    .slice(0, IPV6_CLIENT_PREFIX_GROUPS)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` and a trailing dotted IPv4 expanded). */
function expandIPv6(address: string): number[] {
  const withoutZone = address.split('%')[0];
  const [head, tail] = withoutZone.includes('::') ? withoutZone.split('::') : [withoutZone, null];
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [parseInt(group, 16)];
          const [a, b, c, d] = group.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const front = parse(head);
  if (tail === null) return front;
  const back = parse(tail);
  return [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
}
