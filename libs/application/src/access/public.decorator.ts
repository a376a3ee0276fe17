import { SetMetadata } from '@nestjs/common';

export const publicRouteKey = 'import-jobs:public';

/**
 * A route that answers without an API key: probes and scrapes, which an orchestrator calls
 * without any tenant's credentials, and which reveal nothing of any tenant.
 */
export const Public = () => SetMetadata(publicRouteKey, true);
