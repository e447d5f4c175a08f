/** Pipelines v3: the default deal pipeline (closedwon/closedlost) and the lead pipeline. */
import { type Express } from 'express';
import { HubSpotHttpError } from '../errors';
import { crm, json, objectScope, stateOf, typeOf, type Ctx } from '../routing';
import { DEAL_STAGES, LEAD_STAGES } from '../state/schema';
import { iso } from '../state/types';

function pipelines(objectType: string, epoch: number) {
  const at = iso(epoch);
  const stage = (id: string, label: string, i: number, metadata: Record<string, string>) => ({
    id,
    label,
    displayOrder: i,
    metadata,
    createdAt: at,
    updatedAt: at,
    archived: false,
  });
  if (objectType === 'deals')
    return [
      {
        id: 'default',
        label: 'Sales Pipeline',
        displayOrder: 0,
        stages: DEAL_STAGES.map(([id, label, isClosed, probability], i) =>
          stage(id, label, i, { isClosed, probability }),
        ),
        createdAt: at,
        updatedAt: at,
        archived: false,
      },
    ];
  if (objectType === 'leads')
    return [
      {
        id: 'lead-pipeline-id',
        label: 'Lead pipeline',
        displayOrder: 0,
        stages: LEAD_STAGES.map(([id, label], i) =>
          stage(id, label, i, { leadState: i >= 3 ? 'CLOSED' : 'OPEN' }),
        ),
        createdAt: at,
        updatedAt: at,
        archived: false,
      },
    ];
  return [];
}

export function registerPipelines(app: Express, ctx: Ctx): void {
  const scope = objectScope('read');
  crm(app, ctx, 'get', '/crm/v3/pipelines/:objectType', scope, (req, res) => {
    json(res, 200, { results: pipelines(typeOf(req.params.objectType).name, stateOf(res).epoch) });
  });
  crm(app, ctx, 'get', '/crm/v3/pipelines/:objectType/:pipelineId', scope, (req, res) => {
    const p = pipelines(typeOf(req.params.objectType).name, stateOf(res).epoch).find(
      (x) => x.id === req.params.pipelineId,
    );
    if (!p)
      throw new HubSpotHttpError(
        404,
        'OBJECT_NOT_FOUND',
        `Pipeline ${req.params.pipelineId} does not exist.`,
      );
    json(res, 200, p);
  });
  crm(app, ctx, 'get', '/crm/v3/pipelines/:objectType/:pipelineId/stages', scope, (req, res) => {
    const p = pipelines(typeOf(req.params.objectType).name, stateOf(res).epoch).find(
      (x) => x.id === req.params.pipelineId,
    );
    if (!p)
      throw new HubSpotHttpError(
        404,
        'OBJECT_NOT_FOUND',
        `Pipeline ${req.params.pipelineId} does not exist.`,
      );
    json(res, 200, { results: p.stages });
  });
}
