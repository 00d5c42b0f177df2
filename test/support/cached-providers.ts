import type { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/app-config.js';
import { DataChangesService } from '../../src/database/data-changes.service.js';
import { ProvidersCache } from '../../src/providers/providers-cache.js';
import { ProvidersRepository } from '../../src/providers/providers.repository.js';
import { ProvidersService } from '../../src/providers/providers.service.js';
import { UsersRepository } from '../../src/users/users.repository.js';

export interface CachedProviders {
  changes: DataChangesService;
  cache: ProvidersCache;
  repository: ProvidersRepository;
  service: ProvidersService;
}

/**
 * The providers list as the application wires it, with the cache on and its change listener
 * started, on a test database: for the cache's own tests, which drive the service directly.
 * Stop it with `changes.onApplicationShutdown()`.
 */
export async function cachedProviders(ds: DataSource, env: Record<string, string>): Promise<CachedProviders> {
  const config = loadConfig({ NODE_ENV: 'test', PROVIDERS_CACHE: 'on', ...env });
  const changes = new DataChangesService(ds, config);
  const cache = new ProvidersCache(config, changes, new UsersRepository(ds));
  const repository = new ProvidersRepository(ds);
  const service = new ProvidersService(repository, cache, config);
  await changes.onApplicationBootstrap();
  return { changes, cache, repository, service };
}
