/**
 * Automation v4 callbacks: a custom action that answered BLOCK finishes with
 * POST /automation/v4/actions/callbacks/{callbackId}/complete {outputFields, typedOutputs} →
 * 204, or the batch form /automation/v4/actions/callbacks/complete {inputs: […]}, with the
 * `automation` scope. The newest spec also marks `typedOutputs` required, but HubSpot's own
 * @hubspot/api-client (13.5 and 14) and the docs' example send `outputFields` alone, so only
 * `outputFields` is required; `typedOutputs`, when sent, must be an object.
 */
import { type Express, type Response } from 'express';
import { tokenOf } from '../auth';
import { HubSpotHttpError, validation } from '../errors';
import { crm, type Ctx } from '../routing';
import { type WorkflowRunner } from '../workflows';

const scope = () => ['automation'];

function completion(raw: unknown): Record<string, unknown> {
  const b = raw as { outputFields?: unknown; typedOutputs?: unknown } | undefined;
  if (!b || typeof b.outputFields !== 'object' || b.outputFields === null)
    throw validation('"outputFields" is required: an object of output field name → value.');
  if (
    b.typedOutputs !== undefined &&
    (typeof b.typedOutputs !== 'object' || b.typedOutputs === null)
  )
    throw validation('"typedOutputs" must be an object.');
  return b.outputFields as Record<string, unknown>;
}

export function registerAutomation(app: Express, ctx: Ctx, runner: WorkflowRunner): void {
  const complete = (res: Response, callbackId: string, outputs: Record<string, unknown>) => {
    if (!runner.complete(callbackId, tokenOf(res).appId, outputs))
      throw new HubSpotHttpError(
        404,
        'OBJECT_NOT_FOUND',
        `No blocked action execution ${callbackId} of this app is waiting for completion.`,
      );
  };
  crm(app, ctx, 'post', '/automation/v4/actions/callbacks/complete', scope, (req, res) => {
    const inputs = (req.body as { inputs?: unknown } | undefined)?.inputs;
    if (!Array.isArray(inputs)) throw validation('Body must contain "inputs": an array.');
    if (inputs.length > 100) throw validation('At most 100 callbacks per request.');
    const parsed = inputs.map((i) => ({
      callbackId: String((i as { callbackId?: unknown }).callbackId ?? ''),
      outputs: completion(i),
    }));
    for (const p of parsed) complete(res, p.callbackId, p.outputs);
    res.status(204).end();
  });
  crm(
    app,
    ctx,
    'post',
    '/automation/v4/actions/callbacks/:callbackId/complete',
    scope,
    (req, res) => {
      complete(res, String(req.params.callbackId), completion(req.body));
      res.status(204).end();
    },
  );
}
