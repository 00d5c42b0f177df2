import { UserProfile } from './user-profile.entity.js';
import { User } from './user.entity.js';

/** The users feature's entities, for the data sources that app.module.ts and ormconfig.ts build. */
export const USERS_ENTITIES = [User, UserProfile];
