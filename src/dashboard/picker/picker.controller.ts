import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../../auth/authenticated.decorator.js';
import { CurrentUser } from '../../auth/current-user.decorator.js';
import { readScope } from '../../permissions/access-scopes.js';
import type { AuthUser } from '../../users/auth-user.js';
import { PickerListDto, type PickerProviderDto } from './picker.dto.js';
import { PickerRepository, type PickerRow } from './picker.repository.js';

/**
 * The providers the passthrough screen offers. Its own route rather than the seed's list
 * (`POST /dashboard/passthrough/api/providers/`), whose `{id, name, base_url}` shape is a
 * contract with the dashboard app: the screen also needs to say, before sending, that a
 * provider is inactive or has no key. Same rule as that list: `provider.read`.
 */
@ApiTags('dashboard')
@Authenticated()
@Controller('dashboard/passthrough/api/picker')
export class PickerController {
  constructor(private readonly picker: PickerRepository) {}

  @Get()
  @ApiOperation({ summary: 'The providers the signed-in user may read, with what the passthrough screen shows' })
  @ApiOkResponse({ type: PickerListDto })
  async list(@CurrentUser() user: AuthUser): Promise<PickerListDto> {
    const rows = await this.picker.findPickable(readScope(user));
    return { providers: rows.map(toPickerProvider) };
  }
}

function toPickerProvider(row: PickerRow): PickerProviderDto {
  return {
    id: row.id,
    name: row.name,
    base_url: row.base_url,
    default_model: row.default_model,
    docs_url: row.docs_url,
    status: row.status,
    is_active: row.is_active,
    is_default: row.is_default,
    has_api_key: row.has_api_key,
    verified_at: row.verified_at,
  };
}
