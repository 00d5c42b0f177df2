import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'isPublic';

/** Opts a route out of the global authentication guard. Every use is a decision: keep them few. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
