import { Injectable, type PipeTransform } from '@nestjs/common';
import { ProviderNotFoundError } from '../../permissions/permissions.errors.js';

const MAX_ID = 2_147_483_647;

/**
 * The `:id` of a provider route. Anything that cannot be a provider's id (not a positive
 * integer, past the column's range) names no provider: 404, as an id nobody may read.
 */
@Injectable()
export class ProviderIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const id = /^[1-9][0-9]{0,9}$/.test(value) ? Number(value) : NaN;
    if (!(id <= MAX_ID)) throw new ProviderNotFoundError(0);
    return id;
  }
}
