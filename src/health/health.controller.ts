import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/public.decorator.js';
import { HealthRepository } from './health.repository.js';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(private readonly database: HealthRepository) {}

  @Public()
  @Get('healthz')
  @ApiOperation({ summary: 'The process is alive (does not touch the database).' })
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Public()
  @Get('readyz')
  @ApiOperation({ summary: 'The database answers; 503 with a reason when it does not.' })
  async readyz(): Promise<{ status: 'ok' }> {
    try {
      await this.database.ping();
    } catch {
      throw new ServiceUnavailableException('database unavailable');
    }
    return { status: 'ok' };
  }
}
