import { Account } from '../accounts/account.entity.js';
import { Provider } from '../providers/provider.entity.js';
import { UserProfile } from '../users/user-profile.entity.js';
import { User } from '../users/user.entity.js';

export const ENTITIES = [Account, User, UserProfile, Provider];
