/**
 * Provisioning: the `leadlens` property group and the properties of src/contracts/properties,
 * on contacts and on leads. Idempotent: existing properties are left alone unless the tier
 * options differ from the settings (labels renamed, a tier added), and a 409 from a create
 * (someone else created it meanwhile) counts as success.
 */
import type { HubSpotSdk as Client } from './sdk';
import { crmPropertyName, LEADLENS_GROUP, LEADLENS_PROPERTIES } from '../../contracts/properties';
import type { Tier } from '../../contracts/settings';
import type { Caller } from './caller';

interface PropertyDef {
  name: string;
  label: string;
  description: string;
  type: 'string' | 'number' | 'datetime' | 'enumeration' | 'bool';
  fieldType: 'text' | 'textarea' | 'number' | 'date' | 'select' | 'booleancheckbox';
  options?: Array<{ label: string; value: string; displayOrder: number; hidden: boolean }>;
}

export function propertyDefinitions(tiers: readonly Tier[]): PropertyDef[] {
  const P = LEADLENS_PROPERTIES;
  return [
    {
      name: P.score,
      label: 'LeadLens score',
      description: 'Calibrated 0–100 likelihood to convert, from the published LeadLens model.',
      type: 'number',
      fieldType: 'number',
    },
    {
      name: P.tier,
      label: 'LeadLens tier',
      description: 'Tier of the score per the LeadLens settings; values are stable for workflows.',
      type: 'enumeration',
      fieldType: 'select',
      options: tiers.map((t, i) => ({
        label: t.label,
        value: t.value,
        displayOrder: i,
        hidden: false,
      })),
    },
    {
      name: P.factors,
      label: 'LeadLens factors',
      description: 'Top contributing factors with their points (JSON, read by the LeadLens card).',
      type: 'string',
      fieldType: 'textarea',
    },
    {
      name: P.reasons,
      label: 'LeadLens reasons',
      description: 'The top factors as plain text, for lists, views and e-mails.',
      type: 'string',
      fieldType: 'textarea',
    },
    {
      name: P.modelVersion,
      label: 'LeadLens model version',
      description: 'Version of the model that produced the score.',
      type: 'string',
      fieldType: 'text',
    },
    {
      name: P.scoredAt,
      label: 'LeadLens scored at',
      description: 'When the score was computed.',
      type: 'datetime',
      fieldType: 'date',
    },
    {
      name: P.scoreChange,
      label: 'LeadLens score change',
      description: 'Points gained or lost since the previous score.',
      type: 'number',
      fieldType: 'number',
    },
    {
      name: P.scoreJump,
      label: 'LeadLens score jump',
      description: 'True when the score moved by at least the jump threshold of the settings.',
      type: 'bool',
      fieldType: 'booleancheckbox',
      options: [
        { label: 'Yes', value: 'true', displayOrder: 0, hidden: false },
        { label: 'No', value: 'false', displayOrder: 1, hidden: false },
      ],
    },
  ];
}

/** Object types that carry scores: contacts and HubSpot's Lead object. */
export const SCORED_OBJECT_TYPES = ['contacts', '0-136'] as const;

type ExistingProperty = { name: string; options?: Array<{ label: string; value: string }> };

function sameOptions(a: PropertyDef['options'], b: ExistingProperty['options']): boolean {
  const want = (a ?? []).map((o) => `${o.value}=${o.label}`);
  const have = (b ?? []).map((o) => `${o.value}=${o.label}`);
  return want.length === have.length && want.every((w, i) => w === have[i]);
}

/**
 * Deals and companies (issue 16): the same properties under their own prefix
 * (`leadlens_deal_score`, `leadlens_account_tier`, …), provisioned only when deal or account
 * scores are asked for, so a portal that scores leads only gets nothing new.
 */
export async function provisionObjects(
  client: Client,
  caller: Caller,
  tiers: readonly Tier[],
  objectTypes: ReadonlyArray<'deal' | 'company'> = ['deal', 'company'],
): Promise<void> {
  const noun = { deal: 'deal', company: 'account' } as const;
  for (const [path, type] of [
    ['deals', 'deal'],
    ['companies', 'company'],
  ] as const) {
    if (!objectTypes.includes(type)) continue;
    const defs = propertyDefinitions(tiers).map((d) => ({
      ...d,
      name: crmPropertyName(type, d.name),
      label: d.label.replace('LeadLens', `LeadLens ${noun[type]}`),
      description: d.description.replace('to convert', type === 'deal' ? 'to close won' : 'to buy'),
    }));
    await provisionType(client, caller, path, defs);
  }
}

export async function provision(
  client: Client,
  caller: Caller,
  tiers: readonly Tier[],
): Promise<void> {
  const defs = propertyDefinitions(tiers);
  for (const objectType of SCORED_OBJECT_TYPES)
    await provisionType(client, caller, objectType, defs);
}

async function provisionType(
  client: Client,
  caller: Caller,
  objectType: string,
  defs: readonly PropertyDef[],
): Promise<void> {
  await caller.call(
    'groups.create',
    () =>
      client.crm.properties.groupsApi.createWithHttpInfo(objectType, {
        name: LEADLENS_GROUP,
        label: 'LeadLens',
        displayOrder: -1,
      }),
    { tolerate: [409] },
  );
  const { data } = await caller.call('properties.list', () =>
    client.crm.properties.coreApi.getAllWithHttpInfo(objectType, false),
  );
  const existing = new Map<string, ExistingProperty>(
    (data?.results ?? []).map((p) => [p.name, p as ExistingProperty]),
  );
  for (const def of defs) {
    const have = existing.get(def.name);
    if (!have) {
      await caller.call(
        'properties.create',
        () =>
          client.crm.properties.coreApi.createWithHttpInfo(objectType, {
            ...def,
            groupName: LEADLENS_GROUP,
            formField: false,
          } as Parameters<typeof client.crm.properties.coreApi.createWithHttpInfo>[1]),
        { tolerate: [409] },
      );
    } else if (def.type === 'enumeration' && !sameOptions(def.options, have.options)) {
      // The tier labels follow the settings; values never change, so workflows keep working.
      await caller.call('properties.update', () =>
        client.crm.properties.coreApi.updateWithHttpInfo(objectType, def.name, {
          options: def.options,
        } as Parameters<typeof client.crm.properties.coreApi.updateWithHttpInfo>[2]),
      );
    }
  }
}
