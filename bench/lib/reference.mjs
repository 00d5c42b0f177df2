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

/**
 * The same rule by account, for worlds too large to filter whole for each user: returns a
 * function giving the accounts whose providers `user` reads (every provider is owned in
 * exactly one account), or 'all' for a superuser. readableInWorld is the rule as written; the
 * --scale-users run checks the two agree before it relies on this one.
 */
export function readableAccountsIn(world) {
  const platform = world.accounts.filter((a) => a.isPlatform).map((a) => a.accountNumber);
  return (user) => {
    if (user.isActive === false) return [];
    if (user.isSuperuser) return 'all';
    if ((user.accounts ?? []).length === 0) return [];
    return [...new Set([...user.accounts, ...platform])];
  };
}
