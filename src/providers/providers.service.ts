import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { PermissionsService, type ReadSubject } from '../permissions/permissions.service.js';
import { ProvidersListDto } from './dto/provider-mini.dto.js';
import { ProvidersCache } from './providers-cache.js';

@Injectable()
export class ProvidersService {
  constructor(
    private readonly permissions: PermissionsService,
    private readonly cache: ProvidersCache,
  ) {}

  /** The providers the user may read, through the mini serializer (never an entity). */
  async listReadable(user: ReadSubject): Promise<ProvidersListDto> {
    const rows = await this.permissions.readableProviders(user);
    return plainToInstance(ProvidersListDto, { providers: rows }, { excludeExtraneousValues: true });
  }

  /** The same list as the JSON body the endpoint sends, from the per-user cache when it is on. */
  async listReadableJson(user: ReadSubject): Promise<Buffer> {
    const cached = this.cache.get(user);
    if (cached) return cached;
    const ticket = this.cache.ticket();
    const body = Buffer.from(JSON.stringify(await this.listReadable(user)));
    await this.cache.set(ticket, user, body);
    return body;
  }
}
