/**
 * Provisioning on Lead (and Opportunity, Account, Contact): the LeadLens_*__c custom fields (Tooling API), a permission set that
 * grants the integration user read and edit on them (FieldPermissions), and its assignment. A
 * new custom field has no field-level security: describe hides it and SOQL/DML reject it until
 * the grant — so provisioning ends by describing Lead again and checking every field is
 * updateable. Idempotent: every step first looks for what exists.
 */
import { type Connection } from 'jsforce';
import { LeadLensError } from '../../contracts/errors';
import { SALESFORCE_FIELDS } from '../../contracts/properties';
import { SALESFORCE_PERMISSION_SET } from '../../contracts/salesforce-fields';
import type { Tier } from '../../contracts/settings';
import type { Caller } from './caller';
import { errorCodeOf } from './errors';
import { quote, readAll } from './reads';

/** The same permission set the DX project deploys (build:salesforce), so either path finds it. */
export const PERMISSION_SET = SALESFORCE_PERMISSION_SET;

interface FieldSpec {
  name: string;
  metadata: Record<string, unknown>;
}

export function fieldSpecs(tiers: readonly Tier[]): FieldSpec[] {
  const F = SALESFORCE_FIELDS;
  return [
    {
      name: F.score,
      metadata: { label: 'LeadLens score', type: 'Number', precision: 3, scale: 0 },
    },
    {
      name: F.tier,
      metadata: {
        label: 'LeadLens tier',
        type: 'Picklist',
        // Values are the stable tier values Flows branch on; labels are the admin's.
        valueSet: {
          restricted: true,
          valueSetDefinition: {
            sorted: false,
            value: tiers.map((t, i) => ({ fullName: t.value, label: t.label, default: i === -1 })),
          },
        },
      },
    },
    {
      name: F.factors,
      metadata: { label: 'LeadLens factors', type: 'LongTextArea', length: 32768, visibleLines: 3 },
    },
    {
      name: F.reasons,
      metadata: { label: 'LeadLens reasons', type: 'LongTextArea', length: 4096, visibleLines: 3 },
    },
    {
      name: F.modelVersion,
      metadata: { label: 'LeadLens model version', type: 'Text', length: 40 },
    },
    { name: F.scoredAt, metadata: { label: 'LeadLens scored at', type: 'DateTime' } },
    {
      name: F.scoreChange,
      metadata: { label: 'LeadLens score change', type: 'Number', precision: 4, scale: 0 },
    },
    {
      name: F.scoreJump,
      metadata: { label: 'LeadLens score jump', type: 'Checkbox', defaultValue: false },
    },
  ];
}

interface DescribeLike {
  fields: Array<{ name: string; updateable: boolean }>;
}

async function userIdOf(conn: Connection, caller: Caller): Promise<string> {
  const known = conn.userInfo?.id;
  if (known) return known;
  const info = await caller.call('userinfo', () =>
    conn.request<{ user_id: string }>({ method: 'GET', url: '/services/oauth2/userinfo' }),
  );
  return info.user_id;
}

export async function provision(
  conn: Connection,
  caller: Caller,
  tiers: readonly Tier[],
  /**
   * Lead, Opportunity (deal scores), Account (account scores) or Contact (Contacts created on an
   * Account, scored with the lead model): the same fields on each.
   */
  sobject: 'Lead' | 'Opportunity' | 'Account' | 'Contact' = 'Lead',
): Promise<void> {
  const describe = async () =>
    (await caller.call(`${sobject.toLowerCase()}.describe`, () =>
      conn.sobject(sobject).describe(),
    )) as unknown as DescribeLike;
  const specs = fieldSpecs(tiers);
  const visible = new Map((await describe()).fields.map((f) => [f.name.toLowerCase(), f]));
  if (specs.every((s) => visible.get(s.name.toLowerCase())?.updateable)) return;

  for (const s of specs) {
    if (visible.has(s.name.toLowerCase())) continue;
    await caller.call('customField.create', async () => {
      try {
        await conn.tooling
          .sobject('CustomField')
          .create({ FullName: `${sobject}.${s.name}`, Metadata: s.metadata });
      } catch (e) {
        // Created by an earlier, interrupted provisioning: it exists, only ungranted.
        if (errorCodeOf(e) !== 'DUPLICATE_DEVELOPER_NAME') throw e;
      }
    });
  }

  const sets = await readAll(
    conn,
    caller,
    'permissionSet.query',
    `SELECT Id FROM PermissionSet WHERE Name = ${quote(PERMISSION_SET)}`,
  );
  let setId = sets[0]?.Id;
  if (!setId) {
    const created = (await caller.call('permissionSet.create', () =>
      conn.sobject('PermissionSet').create({ Name: PERMISSION_SET, Label: 'LeadLens integration' }),
    )) as { id?: string };
    setId = created.id;
  }
  if (!setId)
    throw new LeadLensError('CRM_ERROR', 'Salesforce did not return the permission set id.');

  const userId = await userIdOf(conn, caller);
  const assigned = await readAll(
    conn,
    caller,
    'permissionSetAssignment.query',
    `SELECT Id FROM PermissionSetAssignment WHERE PermissionSetId = ${quote(setId)} AND AssigneeId = ${quote(userId)}`,
  );
  if (assigned.length === 0)
    await caller.call('permissionSetAssignment.create', () =>
      conn
        .sobject('PermissionSetAssignment')
        .create({ PermissionSetId: setId, AssigneeId: userId }),
    );

  const granted = new Set(
    (
      await readAll(
        conn,
        caller,
        'fieldPermissions.query',
        `SELECT Field FROM FieldPermissions WHERE ParentId = ${quote(setId)}`,
      )
    ).map((r) => String(r.Field).toLowerCase()),
  );
  for (const s of specs) {
    if (granted.has(`${sobject}.${s.name}`.toLowerCase())) continue;
    await caller.call('fieldPermissions.create', () =>
      conn.sobject('FieldPermissions').create({
        ParentId: setId,
        SobjectType: sobject,
        Field: `${sobject}.${s.name}`,
        PermissionsRead: true,
        PermissionsEdit: true,
      }),
    );
  }

  const after = new Map((await describe()).fields.map((f) => [f.name.toLowerCase(), f]));
  const missing = specs
    .filter((s) => !after.get(s.name.toLowerCase())?.updateable)
    .map((s) => s.name);
  if (missing.length)
    throw new LeadLensError(
      'CRM_SCOPES',
      `Salesforce does not let LeadLens edit ${missing.join(', ')} on ${sobject}.`,
      {
        hint: `Check that the permission set ${PERMISSION_SET} grants read and edit on these fields and is assigned to the integration user.`,
      },
    );
}
