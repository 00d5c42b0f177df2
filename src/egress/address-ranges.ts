import { BlockList, isIP } from 'node:net';

/** Why an address may not be reached from here; `public` is the only kind that may. */
export type AddressKind =
  | 'public'
  | 'cloud_metadata'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link_local'
  | 'unique_local'
  | 'unspecified'
  | 'multicast'
  | 'reserved';

/*
 * Each range says what lies behind it. Checked in order, so that the cloud metadata endpoints
 * (inside link-local, unique-local and shared space) are reported as what they are.
 * IPv4-mapped IPv6 addresses (::ffff:10.0.0.1, ::ffff:a00:1) fall in their IPv4 range: BlockList
 * compares them as the IPv4 address they carry, which is also where the kernel sends them.
 */
const RANGES: ReadonlyArray<readonly [AddressKind, ReadonlyArray<readonly [string, number, 'ipv4' | 'ipv6']>]> = [
  [
    'cloud_metadata',
    [
      ['169.254.169.254', 32, 'ipv4'], // AWS, GCP, Azure, Oracle, OpenStack
      ['169.254.170.2', 32, 'ipv4'], // AWS ECS task credentials
      ['100.100.100.200', 32, 'ipv4'], // Alibaba Cloud
      ['fd00:ec2::254', 128, 'ipv6'], // AWS over IPv6
    ],
  ],
  [
    'loopback',
    [
      ['127.0.0.0', 8, 'ipv4'],
      ['::1', 128, 'ipv6'],
    ],
  ],
  [
    'unspecified',
    [
      ['0.0.0.0', 8, 'ipv4'],
      ['::', 128, 'ipv6'],
    ],
  ],
  [
    'private',
    [
      ['10.0.0.0', 8, 'ipv4'],
      ['172.16.0.0', 12, 'ipv4'],
      ['192.168.0.0', 16, 'ipv4'],
    ],
  ],
  // Carrier-grade NAT: the provider's side of the NAT, as internal as RFC 1918 space to us.
  ['shared', [['100.64.0.0', 10, 'ipv4']]],
  [
    'link_local',
    [
      ['169.254.0.0', 16, 'ipv4'],
      ['fe80::', 10, 'ipv6'],
    ],
  ],
  // fec0::/10 is the deprecated site-local range, still routed internally by some networks.
  [
    'unique_local',
    [
      ['fc00::', 7, 'ipv6'],
      ['fec0::', 10, 'ipv6'],
    ],
  ],
  [
    'multicast',
    [
      ['224.0.0.0', 4, 'ipv4'],
      ['ff00::', 8, 'ipv6'],
    ],
  ],
  [
    'reserved',
    [
      ['192.0.0.0', 24, 'ipv4'], // IETF protocol assignments (some clouds' internal services)
      ['198.18.0.0', 15, 'ipv4'], // benchmarking, used inside data centres
      ['240.0.0.0', 4, 'ipv4'], // future use, and 255.255.255.255 broadcast
      ['::', 96, 'ipv6'], // IPv4-compatible, deprecated: no public host answers there
    ],
  ],
];

const BLOCK_LISTS = RANGES.map(([kind, subnets]) => {
  const list = new BlockList();
  for (const [network, prefix, family] of subnets) list.addSubnet(network, prefix, family);
  return [kind, list] as const;
});

/** Classifies a literal IP address (v4, v6 or IPv4-mapped v6). Throws on anything else. */
export function classifyAddress(address: string): AddressKind {
  const version = isIP(address);
  if (version === 0) throw new TypeError(`not an IP address: ${JSON.stringify(address)}`);
  const family = version === 4 ? 'ipv4' : 'ipv6';
  for (const [kind, list] of BLOCK_LISTS) if (list.check(address, family)) return kind;
  return 'public';
}
