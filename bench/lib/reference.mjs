/**
 * The read rule (docs/world-format.md) written straight over the world file, with no SQL, so
 * that the benchmark can tell a fast wrong answer from a fast right one. Returns the world's
 * providers `user` may read, in file order.
 */
export function readableInWorld(world, user) {
  if (user.isActive === false) return [];
  if (user.isSuperuser) return world.providers;
  const mine = new Set(user.accounts ?? []);
  if (mine.size === 0) return [];
  const platform = new Set(world.accounts.filter((a) => a.isPlatform).map((a) => a.accountNumber));
  return world.providers.filter((p) => mine.has(p.owner.accountNumber) || platform.has(p.owner.accountNumber));
}
