import { hashPassword, mapConcurrently, PASSWORD_HASH_OPTIONS, verifyPassword } from './password-hashing.js';

describe('password hashing', () => {
  it('stores argon2id with the parameters defined in one place', async () => {
    const hash = await hashPassword('pw-alice');
    const { memoryCost, timeCost, parallelism } = PASSWORD_HASH_OPTIONS;
    const [, type, , params] = hash.split('$');
    expect(type).toBe('argon2id');
    expect(Object.fromEntries(params.split(',').map((kv) => kv.split('=')))).toEqual({
      m: String(memoryCost),
      t: String(timeCost),
      p: String(parallelism),
    });
    await expect(verifyPassword(hash, 'pw-alice')).resolves.toBe(true);
    await expect(verifyPassword(hash, 'pw-alice ')).resolves.toBe(false);
  });

  it('salts every hash', async () => {
    await expect(Promise.all([hashPassword('same'), hashPassword('same')]).then(([a, b]) => a === b)).resolves.toBe(
      false,
    );
  });

  it('treats a malformed stored hash as no match', async () => {
    await expect(verifyPassword('not-a-hash', 'pw')).resolves.toBe(false);
  });
});

describe('mapConcurrently', () => {
  it('keeps the order of results and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const results = await mapConcurrently([5, 1, 4, 2, 3, 0], 2, async (ms, i) => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, ms));
      running--;
      return i * 10;
    });
    expect(results).toEqual([0, 10, 20, 30, 40, 50]);
    expect(most).toBe(2);
  });

  it('handles an empty list', async () => {
    await expect(mapConcurrently([], 4, async () => 1)).resolves.toEqual([]);
  });
});
