import { Provider } from './provider.entity.js';
import { ProviderHistory } from './provider-history.entity.js';
import { ProviderVerification } from './verification/provider-verification.entity.js';

/** The providers feature's entities, for the data sources that app.module.ts and ormconfig.ts build. */
export const PROVIDERS_ENTITIES = [Provider, ProviderHistory, ProviderVerification];
