import { Module } from '@nestjs/common';
import { AccessRepository } from './access.repository.js';
import { PermissionsService } from './permissions.service.js';

@Module({ providers: [AccessRepository, PermissionsService], exports: [PermissionsService] })
export class PermissionsModule {}
