import { Controller, Delete, Get, Headers, HttpCode, Param, ParseIntPipe, Patch, Post, Put, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authenticated } from '../../auth/authenticated.decorator.js';
import { CurrentUser } from '../../auth/current-user.decorator.js';
import type { AuthUser } from '../../users/auth-user.js';
import { PROVIDER_STATUSES } from '../provider.entity.js';
import { HistoryQuery, LIST_SCOPES, ListProvidersQuery, MAX_PAGE_SIZE } from './dto/list-providers.query.js';
import { ApiKeyDto, CreateProviderDto, UpdateProviderDto } from './dto/provider-input.dto.js';
import { HistoryPageDto, ProviderPageDto, ProviderRecordDto } from './dto/provider-record.dto.js';
import { etagOf } from './etag.js';
import { ProviderManagementService } from './provider-management.service.js';
import { ValidatedBody, ValidatedQuery } from './validated-input.js';

const PROVIDER_ID = ApiParam({ name: 'id', type: Number });
const IF_MATCH = ApiHeader({
  name: 'If-Match',
  required: false,
  description: 'the ETag of the version read; a stale one is refused with 412',
});
const PROBLEMS = ApiResponse({ status: 400, description: 'Every problem with the request, each with its field' });
const NOT_FOUND = ApiNotFoundResponse({ description: 'No such provider, or one the caller may not read' });
const FORBIDDEN = ApiResponse({ status: 403, description: 'Readable but not manageable (or a missing CSRF header)' });

/**
 * Managing providers: the full record, create, change, delete, the API key and the terms.
 * Thin: each handler parses, calls one service method and shapes the answer.
 */
@ApiTags('provider management')
@Authenticated()
@Controller('api/v1/providers')
export class ProviderManagementController {
  constructor(private readonly management: ProviderManagementService) {}

  @Get()
  @ApiOperation({ summary: 'Providers the caller may read (or manage), a page at a time, by id' })
  @ApiQuery({ name: 'scope', required: false, enum: LIST_SCOPES })
  @ApiQuery({ name: 'q', required: false, description: 'part of the name or the base URL, case-insensitive' })
  @ApiQuery({ name: 'status', required: false, enum: PROVIDER_STATUSES })
  @ApiQuery({ name: 'account', required: false, description: "the owner's account number" })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: `1 to ${MAX_PAGE_SIZE}, default 50` })
  @ApiQuery({ name: 'cursor', required: false, description: 'next_cursor of the previous page' })
  @ApiOkResponse({ type: ProviderPageDto })
  @PROBLEMS
  list(@CurrentUser() user: AuthUser, @ValidatedQuery(ListProvidersQuery) query: ListProvidersQuery) {
    return this.management.list(user, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One provider, with its ETag' })
  @PROVIDER_ID
  @ApiOkResponse({ type: ProviderRecordDto })
  @NOT_FOUND
  async get(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseIntPipe) id: number,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProviderRecordDto> {
    return withEtag(reply, await this.management.get(user, id));
  }

  @Post()
  @ApiOperation({
    summary: 'Create a provider in an account (staff or superuser with a profile there); the owner is your profile',
  })
  @ApiBody({ type: CreateProviderDto })
  @ApiCreatedResponse({ type: ProviderRecordDto, description: 'With Location and ETag' })
  @PROBLEMS
  @ApiResponse({ status: 403, description: 'Not staff (or a missing CSRF header)' })
  @ApiNotFoundResponse({ description: 'No such account among yours' })
  @ApiConflictResponse({ description: 'The owner already has a provider of that name' })
  async create(
    @CurrentUser() user: AuthUser,
    @ValidatedBody(CreateProviderDto) body: CreateProviderDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProviderRecordDto> {
    const record = await this.management.create(user, body);
    reply.status(201).header('location', `/api/v1/providers/${record.id}`);
    return withEtag(reply, record);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change some fields; each change is recorded in the history' })
  @PROVIDER_ID
  @IF_MATCH
  @ApiBody({ type: UpdateProviderDto })
  @ApiOkResponse({ type: ProviderRecordDto })
  @PROBLEMS
  @FORBIDDEN
  @NOT_FOUND
  @ApiConflictResponse({ description: 'The owner already has a provider of that name' })
  @ApiResponse({ status: 412, description: 'If-Match does not match the current ETag' })
  async update(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseIntPipe) id: number,
    @ValidatedBody(UpdateProviderDto) body: UpdateProviderDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProviderRecordDto> {
    return withEtag(reply, await this.management.update(user, id, body, ifMatch));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a provider (its history is kept)' })
  @PROVIDER_ID
  @IF_MATCH
  @ApiNoContentResponse()
  @FORBIDDEN
  @NOT_FOUND
  @ApiResponse({ status: 412, description: 'If-Match does not match the current ETag' })
  async delete(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseIntPipe) id: number,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    await this.management.delete(user, id, ifMatch);
  }

  @Put(':id/api-key')
  @HttpCode(204)
  @ApiOperation({ summary: 'Set the API key (stored encrypted, never returned)' })
  @PROVIDER_ID
  @ApiBody({ type: ApiKeyDto })
  @ApiNoContentResponse()
  @PROBLEMS
  @FORBIDDEN
  @NOT_FOUND
  async setApiKey(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseIntPipe) id: number,
    @ValidatedBody(ApiKeyDto) body: ApiKeyDto,
  ): Promise<void> {
    await this.management.setApiKey(user, id, body);
  }

  @Delete(':id/api-key')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove the API key' })
  @PROVIDER_ID
  @ApiNoContentResponse()
  @FORBIDDEN
  @NOT_FOUND
  async clearApiKey(@CurrentUser() user: AuthUser, @Param('id', ParseIntPipe) id: number): Promise<void> {
    await this.management.clearApiKey(user, id);
  }

  @Post(':id/terms/accept')
  @HttpCode(200)
  @ApiOperation({ summary: "Accept the provider's terms of service as yourself, now" })
  @PROVIDER_ID
  @ApiOkResponse({ type: ProviderRecordDto })
  @FORBIDDEN
  @NOT_FOUND
  async acceptTerms(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseIntPipe) id: number,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProviderRecordDto> {
    return withEtag(reply, await this.management.acceptTerms(user, id));
  }

  @Get(':id/history')
  @ApiOperation({ summary: 'Who changed what and when, newest first (for those who may manage it)' })
  @PROVIDER_ID
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({ name: 'cursor', required: false, description: 'next_cursor of the previous page' })
  @ApiOkResponse({ type: HistoryPageDto })
  @FORBIDDEN
  @NOT_FOUND
  history(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseIntPipe) id: number,
    @ValidatedQuery(HistoryQuery) query: HistoryQuery,
  ): Promise<HistoryPageDto> {
    return this.management.historyOf(user, id, query);
  }
}

function withEtag(reply: FastifyReply, record: ProviderRecordDto): ProviderRecordDto {
  reply.header('etag', etagOf(record));
  return record;
}
