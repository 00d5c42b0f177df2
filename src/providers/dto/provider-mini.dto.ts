import { ApiProperty } from '@nestjs/swagger';
import { Expose, Type } from 'class-transformer';

/** The "mini serializer": the only provider fields that ever leave the service. */
export class ProviderMiniDto {
  @Expose()
  @ApiProperty({ example: 1 })
  id: number;

  @Expose()
  @ApiProperty({ example: 'OpenAI' })
  name: string;

  @Expose()
  @ApiProperty({ type: String, nullable: true, example: 'https://api.openai.com/v1' })
  base_url: string | null;
}

export class ProvidersListDto {
  @Expose()
  @Type(() => ProviderMiniDto)
  @ApiProperty({
    type: [ProviderMiniDto],
    example: [
      { id: 1, name: 'OpenAI', base_url: 'https://api.openai.com/v1' },
      { id: 7, name: 'in-house-gateway', base_url: null },
    ],
  })
  providers: ProviderMiniDto[];
}
