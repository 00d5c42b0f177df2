import { RevokedToken } from './revocation/revoked-token.entity.js';
import { UserTokenCutoff } from './revocation/user-token-cutoff.entity.js';
import { SignInFailure } from './throttle/sign-in-failure.entity.js';

/** The auth feature's entities, for the data sources that app.module.ts and ormconfig.ts build. */
export const AUTH_ENTITIES = [SignInFailure, RevokedToken, UserTokenCutoff];
