import { Injectable } from '@nestjs/common';
import { PermissionsService, type ReadSubject } from '../permissions/permissions.service.js';
import { serializeProvidersList } from './dto/provider-mini.serializer.js';
import { ProvidersCache } from './providers-cache.js';

@Injectable()
export class ProvidersService {
  constructor(
    private readonly permissions: PermissionsService,
    private readonly cache: ProvidersCache,
  ) {}

  /**
   * The providers the user may read, as the JSON body the endpoint sends: ProviderMiniDto's
   * fields only (never an entity), from the per-user cache when it is on.
   */
  async listReadable(user: ReadSubject): Promise<Buffer> {
    const cached = this.cache.get(user);
    if (cached) return cached;
    const ticket = this.cache.ticket();
    const body = Buffer.from(serializeProvidersList(await this.permissions.readableProviders(user)));
    await this.cache.set(ticket, user, body);
    return body;
  }
}
