import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Readable } from 'node:stream';
import { Authenticated } from '../../auth/authenticated.decorator.js';
import { CurrentUser } from '../../auth/current-user.decorator.js';
import { readScope } from '../../permissions/access-scopes.js';
import type { AuthUser } from '../../users/auth-user.js';
import { PickerListDto, type PickerProviderDto } from './picker.dto.js';
import { PickerRepository, type PickerRow } from './picker.repository.js';

/** Rows per batch when a superuser's answer (every provider) is streamed. */
const STREAM_BATCH_ROWS = 5_000;

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
  @ApiOkResponse({ type: PickerListDto, description: 'Each readable provider exactly once, by id ascending' })
  @Header('content-type', 'application/json; charset=utf-8')
  async list(@CurrentUser() user: AuthUser): Promise<string | Readable> {
    const scope = readScope(user);
    // A superuser reads the whole table: streamed batch by batch rather than held at once,
    // as the seed list does. Anyone else's answer is bounded by their accounts.
    if (!user.isSuperuser) return serialize(await this.picker.findPickable(scope));
    const batches = this.picker.findPickableInBatches(scope, STREAM_BATCH_ROWS);
    // The first batch is read before answering, so that a database failure is still a 503.
    const first = await batches.next();
    async function* body(): AsyncGenerator<string> {
      yield '{"providers":[';
      let separator = '';
      const items = (rows: PickerRow[]) => {
        const text = separator + rows.map((row) => JSON.stringify(toPickerProvider(row))).join(',');
        separator = ',';
        return text;
      };
      if (!first.done) yield items(first.value);
      for await (const rows of batches) yield items(rows);
      yield ']}';
    }
    const stream = Readable.from(body(), { objectMode: false });
    // However the response ends, the cursor is closed and its connection goes back to the pool.
    stream.once('close', () => void batches.return(undefined));
    return stream;
  }
}

function serialize(rows: PickerRow[]): string {
  const list: PickerListDto = { providers: rows.map(toPickerProvider) };
  return JSON.stringify(list);
}

/** The whitelist: these fields and no other leave the service. */
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
    verified_at: row.verified_at ? row.verified_at.toISOString() : null,
  };
}
