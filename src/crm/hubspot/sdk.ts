/**
 * The part of @hubspot/api-client LeadLens calls: CRM objects (basic, batch, search),
 * tasks (basic, search), properties (core, groups) and associations v4 (batch). These are the SDK's own generated API
 * classes, configured by the SDK's own configurator exactly as its `Client` configures them.
 *
 * Why not `new Client()`: its discovery tree requires every HubSpot API (CMS, marketing,
 * conversations, …) by literal paths, so a bundler must include all of them — 4.5 MB of the
 * 5.7 MB each HubSpot function bundle was, and most of its ~105 MB RSS at load. A function has
 * 128 MB. Built from these three modules, a bundle carries only what it calls.
 */
import * as associationsV4 from '@hubspot/api-client/lib/codegen/crm/associations/v4';
import * as objects from '@hubspot/api-client/lib/codegen/crm/objects';
import * as properties from '@hubspot/api-client/lib/codegen/crm/properties';
import * as tasks from '@hubspot/api-client/lib/codegen/crm/objects/tasks';
import { ApiClientConfigurator } from '@hubspot/api-client/lib/src/configuration/ApiClientConfigurator';
import type IConfiguration from '@hubspot/api-client/lib/src/configuration/IConfiguration';

export interface HubSpotSdk {
  crm: {
    objects: {
      basicApi: objects.BasicApi;
      batchApi: objects.BatchApi;
      searchApi: objects.SearchApi;
      tasks: { basicApi: tasks.BasicApi; searchApi: tasks.SearchApi };
    };
    properties: { coreApi: properties.CoreApi; groupsApi: properties.GroupsApi };
    associations: { v4: { batchApi: associationsV4.BatchApi } };
  };
  /**
   * A new access token for calls made from now on (an OAuth token renewed); as the SDK's own
   * `Client.setAccessToken`, it rebuilds the API objects, so calls already under way keep theirs.
   */
  setAccessToken(token: string): void;
}

/** Only what LeadLens sets; the SDK's retries and limiter stay off (ours are in caller.ts). */
export type HubSpotSdkConfig = Pick<IConfiguration, 'accessToken' | 'basePath' | 'httpAgent'>;

export function createHubSpotSdk(config: HubSpotSdkConfig): HubSpotSdk {
  const sdk: HubSpotSdk = {
    crm: apis(config),
    setAccessToken(token: string) {
      sdk.crm = apis({ ...config, accessToken: token });
    },
  };
  return sdk;
}

/** What the SDK's configured middleware would do to each request before it is sent. */
interface Sendable {
  setAgent(agent: NonNullable<HubSpotSdkConfig['httpAgent']>): void;
  setHeaderParam(key: string, value: string): void;
}

/**
 * The SDK's own HTTP library, applying the agent (and User-agent) itself. Why: in
 * @hubspot/api-client 13.x the generated API classes never run the configured middleware
 * unless a call passes its own (`allMiddleware = []`; HubSpot/hubspot-api-nodejs#671, #683,
 * fixed in 14.0.1 by #686, which needs Node 22), so `httpAgent` was silently ignored and
 * deadline.ts could not abort a hung request. Setting them here is idempotent with 14.x.
 */
function sendingAsConfigured<C extends Sendable, R>(
  config: HubSpotSdkConfig,
  base: { send(ctx: C): R },
): { send(ctx: C): R } {
  const userAgent = ApiClientConfigurator.getUserAgent();
  return {
    send(ctx) {
      if (config.httpAgent) ctx.setAgent(config.httpAgent);
      ctx.setHeaderParam('User-agent', userAgent);
      return base.send(ctx);
    },
  };
}

function apis(config: HubSpotSdkConfig): HubSpotSdk['crm'] {
  const o = objects.createConfiguration({
    ...ApiClientConfigurator.getParams(
      config,
      objects.ServerConfiguration,
      objects.Observable,
      objects.Observable,
    ),
    httpApi: sendingAsConfigured(config, new objects.IsomorphicFetchHttpLibrary()),
  });
  const t = tasks.createConfiguration({
    ...ApiClientConfigurator.getParams(
      config,
      tasks.ServerConfiguration,
      tasks.Observable,
      tasks.Observable,
    ),
    httpApi: sendingAsConfigured(config, new tasks.IsomorphicFetchHttpLibrary()),
  });
  const p = properties.createConfiguration({
    ...ApiClientConfigurator.getParams(
      config,
      properties.ServerConfiguration,
      properties.Observable,
      properties.Observable,
    ),
    httpApi: sendingAsConfigured(config, new properties.IsomorphicFetchHttpLibrary()),
  });
  const a = associationsV4.createConfiguration({
    ...ApiClientConfigurator.getParams(
      config,
      associationsV4.ServerConfiguration,
      associationsV4.Observable,
      associationsV4.Observable,
    ),
    httpApi: sendingAsConfigured(config, new associationsV4.IsomorphicFetchHttpLibrary()),
  });
  return {
    objects: {
      basicApi: new objects.BasicApi(o),
      batchApi: new objects.BatchApi(o),
      searchApi: new objects.SearchApi(o),
      tasks: { basicApi: new tasks.BasicApi(t), searchApi: new tasks.SearchApi(t) },
    },
    properties: { coreApi: new properties.CoreApi(p), groupsApi: new properties.GroupsApi(p) },
    associations: { v4: { batchApi: new associationsV4.BatchApi(a) } },
  };
}
