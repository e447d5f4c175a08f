/**
 * The "LeadLens score" custom workflow action (app/workflow-actions). HubSpot POSTs an execution
 * request per enrolled record — a contact (its lead score), a deal (its deal score) or a company
 * (its account score); we answer with output fields later workflow steps can branch on.
 */
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { factorsView } from '../../cards/factors-view';
import type { CardData } from '../contracts/functions';
import { LeadLensError } from '../errors';
import { signedHubSpotBody, type HubSpotVerifyOptions } from './hubspot-signature';
import { sendError as refuse } from './auth/respond';
import { sendError } from './http-errors';

const ExecutionRequestSchema = z
  .object({
    callbackId: z.string().optional(),
    origin: z
      .object({ portalId: z.union([z.number(), z.string()]).optional() })
      .passthrough()
      .optional(),
    object: z
      .object({
        objectId: z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]),
        objectType: z.string(),
      })
      .passthrough(),
    inputFields: z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough();

export type WorkflowObjectType = 'contact' | 'deal' | 'company';

/**
 * HubSpot's `object.objectType` of the enrolled record ('CONTACT', 'DEAL', 'COMPANY', or a type
 * id: 0-1, 0-3, 0-2); null for any other object (a ticket, a custom object), which LeadLens does
 * not score — never read as a contact of the same id.
 */
export function workflowObjectType(raw: string): WorkflowObjectType | null {
  if (/^(contact|contacts|0-1)$/i.test(raw)) return 'contact';
  if (/^(deal|deals|0-3)$/i.test(raw)) return 'deal';
  if (/^(company|companies|0-2)$/i.test(raw)) return 'company';
  return null;
}

/** Why an enrolled record has no output, per object (the action's `top_reason` then). */
const NOT_SCORED: Record<WorkflowObjectType, string> = {
  contact: 'Not scored: LeadLens has no score for this contact (a customer, or no model yet).',
  deal: 'Not scored: LeadLens has no score for this deal (closed, or no deal model yet).',
  company:
    'Not scored: LeadLens has no account score for this company (no contacts, or no account model yet).',
};

export interface WorkflowOutput {
  outputFields: {
    score: number | null;
    /** The stable tier value (tier_1 is the best): what branches compare. */
    tier: string | null;
    /** The admin's label of that tier, as the settings page names it today. */
    tier_label: string | null;
    top_reason: string;
    hs_execution_state: 'SUCCESS' | 'FAIL_CONTINUE';
  };
}

export interface WorkflowActionRouterOptions extends HubSpotVerifyOptions {
  /**
   * The card of a record of the request's portal (`origin.portalId`): a contact's, a deal's or a
   * company's (the action is offered in contact, deal and company workflows: `objectTypes`
   * CONTACT, DEAL and COMPANY).
   */
  getCard(
    objectId: string,
    portalId: string | undefined,
    objectType: WorkflowObjectType,
  ): Promise<CardData | null>;
  /** False for a portal this server does not serve: its requests are refused (403). */
  acceptsPortal?(portalId: string | number | undefined): boolean | Promise<boolean>;
}

/** The strongest factor (the one factors view's first); its reason is what an e-mail can quote. */
export function topReason(card: CardData): string {
  const strongest = factorsView(card.factors, card.score, 1)?.shown[0];
  if (strongest) return strongest.reason;
  const firstLine = card.reasons?.split('\n').find((l) => l.trim() !== '');
  return firstLine?.trim() ?? '';
}

export function workflowOutput(
  card: CardData | null,
  objectType: WorkflowObjectType = 'contact',
): WorkflowOutput {
  if (!card || card.score === null) {
    return {
      outputFields: {
        score: null,
        tier: null,
        tier_label: null,
        top_reason: NOT_SCORED[objectType],
        hs_execution_state: 'FAIL_CONTINUE',
      },
    };
  }
  return {
    outputFields: {
      score: card.score,
      tier: card.tier?.value ?? null,
      tier_label: card.tier?.label ?? null,
      top_reason: topReason(card),
      hs_execution_state: 'SUCCESS',
    },
  };
}

export function workflowActionRouter(opts: WorkflowActionRouterOptions): Router {
  const router = express.Router();
  router.post(
    '/',
    ...signedHubSpotBody({ ...opts, limit: '1mb' }),
    async (_req: Request, res: Response) => {
      const rawBody = res.locals.rawBody as string;
      let request: z.infer<typeof ExecutionRequestSchema>;
      try {
        request = ExecutionRequestSchema.parse(JSON.parse(rawBody));
      } catch {
        sendError(
          res,
          new LeadLensError(
            'INPUT_INVALID',
            'The body is not a HubSpot workflow action execution request.',
            {
              hint: 'Expected { callbackId, origin, object: { objectId, objectType }, inputFields }.',
            },
          ),
        );
        return;
      }
      const portalId = request.origin?.portalId;
      if (opts.acceptsPortal && !(await opts.acceptsPortal(portalId))) {
        refuse(
          res,
          403,
          'PORTAL_UNKNOWN',
          'This LeadLens server does not serve that HubSpot portal.',
          {
            hint: 'Install LeadLens in that HubSpot account (marketplace app), or point its workflow action at the LeadLens server of that portal (HUBSPOT_PORTAL_ID).',
          },
        );
        return;
      }
      const objectId = String(request.object.objectId);
      const objectType = workflowObjectType(request.object.objectType);
      if (objectType === null) {
        // The definition offers the action for contacts, deals and companies only; anything
        // else is answered, not retried: the workflow continues without a score.
        res.status(200).json({
          outputFields: {
            score: null,
            tier: null,
            tier_label: null,
            top_reason: `Not scored: LeadLens scores contacts, deals and companies, not ${request.object.objectType} records.`,
            hs_execution_state: 'FAIL_CONTINUE',
          },
        } satisfies WorkflowOutput);
        return;
      }
      try {
        res
          .status(200)
          .json(
            workflowOutput(
              await opts.getCard(
                objectId,
                portalId === undefined ? undefined : String(portalId),
                objectType,
              ),
              objectType,
            ),
          );
      } catch (e) {
        // 5xx makes HubSpot retry the action later, which is right for a transient store error.
        sendError(
          res,
          new LeadLensError('UNAVAILABLE', 'LeadLens could not read the score right now.', {
            hint: 'HubSpot retries the action; check the LeadLens server logs if it persists.',
            cause: e,
          }),
        );
      }
    },
  );
  return router;
}
