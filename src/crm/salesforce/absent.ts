/**
 * What build:hubspot puts in a HubSpot function bundle in place of the Salesforce adapter
 * (./index.ts): a HubSpot app function serves its HubSpot portal only, and jsforce with its
 * HTTP stack would take bundle size and memory a 128 MB function does not have.
 */
import { LeadLensError } from '../../errors';
import type { CrmPort } from '../port';

export function createSalesforceCrm(): CrmPort {
  throw new LeadLensError('CONFIG_INVALID', 'HubSpot functions connect to HubSpot only.', {
    hint: 'Run Salesforce from the LeadLens server, a worker or the CLI (leadlens run --crm salesforce).',
  });
}
