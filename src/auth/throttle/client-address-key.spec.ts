import { clientAddressKey } from './client-address-key.js';

describe('clientAddressKey', () => {
  it('keeps IPv4 addresses, also written as IPv4-mapped IPv6', () => {
    expect(clientAddressKey('10.0.1.1')).toBe('10.0.1.1');
    expect(clientAddressKey('::ffff:10.0.1.1')).toBe('10.0.1.1');
    expect(clientAddressKey('::ffff:a00:101')).toBe('10.0.1.1');
  });

  it('counts an IPv6 address by its /64, however it is written', () => {
    expect(clientAddressKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(clientAddressKey('2001:DB8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(clientAddressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientAddressKey('2001:db8:1:3::1')).not.toBe(clientAddressKey('2001:db8:1:2::1'));
    expect(clientAddressKey('::1')).toBe('0:0:0:0::/64');
  });
});
