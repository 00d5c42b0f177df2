import { InitialSchema1764400000000 } from './1764400000000-InitialSchema.js';
import { ChangeNotifications1764500000000 } from './1764500000000-ChangeNotifications.js';
import { ProviderRecord1764600000000 } from './1764600000000-ProviderRecord.js';
import { ProviderVerifications1764700000000 } from './1764700000000-ProviderVerifications.js';
import { PromptUsage1764800000000 } from './1764800000000-PromptUsage.js';
import { SharedSignIn1764900000000 } from './1764900000000-SharedSignIn.js';
import { SmarterListChanges1765000000000 } from './1765000000000-SmarterListChanges.js';
import { PlatformChanges1765200000000 } from './1765200000000-PlatformChanges.js';

/** Every migration, oldest first. A new migration file is added here too. */
export const MIGRATIONS = [
  InitialSchema1764400000000,
  ChangeNotifications1764500000000,
  ProviderRecord1764600000000,
  ProviderVerifications1764700000000,
  PromptUsage1764800000000,
  SharedSignIn1764900000000,
  SmarterListChanges1765000000000,
  PlatformChanges1765200000000,
];
