/**
 * CRM adapters behind the CrmPort. Composition roots (cli, server, functions) import from
 * here; the pipeline imports only `./port`.
 */
export type * from './port';
export { createHubSpotCrm, type HubSpotCrmOptions } from './hubspot';
export { createSalesforceCrm, type SalesforceCrmOptions } from './salesforce';
