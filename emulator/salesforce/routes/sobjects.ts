/**
 * Describe (global and per object), single-record read/update/create, sObject Collections
 * update, /limits, and Tooling CustomField creation. Shapes follow the REST API reference and
 * jsforce's src/types/common.ts.
 */
import { type Express, type Request, type Response } from 'express';
import { SfError, notFound, sendJson } from '../errors';
import { type FaultInjector } from '../faults';
import { type Org } from '../org';
import { type FieldDef, type FieldType, type SObjectDef } from '../schema';
import { formatValue, recordUrl, type DataSource, type Value } from '../soql/eval';
import { apply, checkRecord, parseFields, type SaveError, type WriteLog } from '../writes';

type Wrap = (h: (req: Request, res: Response) => void) => (req: Request, res: Response) => void;

function describeField(f: FieldDef) {
  return {
    name: f.name,
    label: f.label,
    type: f.type,
    length: f.length ?? 0,
    precision: f.precision ?? 0,
    scale: f.scale ?? 0,
    custom: f.custom,
    updateable: f.updateable,
    createable: f.createable,
    nillable: f.nillable,
    calculated: f.calculated,
    filterable: f.filterable,
    sortable: f.filterable,
    restrictedPicklist: f.restrictedPicklist ?? false,
    picklistValues: (f.picklist ?? []).map((v, i) => ({
      value: v,
      label: f.picklistLabels?.[v] ?? v,
      active: true,
      defaultValue: i === -1,
      validFor: null,
    })),
    referenceTo: f.referenceTo ?? [],
    relationshipName: f.relationshipName ?? null,
  };
}

const urls = (v: string, name: string) => ({
  sobject: `/services/data/v${v}/sobjects/${name}`,
  describe: `/services/data/v${v}/sobjects/${name}/describe`,
  rowTemplate: `/services/data/v${v}/sobjects/${name}/{ID}`,
});

export function registerSObjects(
  app: Express,
  org: Org,
  faults: FaultInjector,
  writes: WriteLog[],
  dsFor: (req: Request) => DataSource,
  wrap: Wrap,
): void {
  const objectOf = (name: unknown): SObjectDef => {
    const def = org.apiObject(String(name ?? ''));
    if (!def) throw notFound();
    return def;
  };
  const version = (req: Request) => dsFor(req).apiVersion;

  app.get(
    '/services/data/:version/sobjects',
    wrap((req, res) =>
      sendJson(res, 200, {
        encoding: 'UTF-8',
        maxBatchSize: 200,
        sobjects: [...org.schema.values()]
          .filter((d) => org.apiObject(d.name))
          .map((d) => ({
            name: d.name,
            label: d.label,
            keyPrefix: d.keyPrefix,
            custom: d.custom,
            queryable: d.queryable,
            updateable: d.updateable,
            createable: d.updateable,
            urls: urls(version(req), d.name),
          })),
      }),
    ),
  );

  app.get(
    '/services/data/:version/sobjects/:type/describe',
    wrap((req, res) => {
      const d = objectOf(req.params.type);
      sendJson(res, 200, {
        name: d.name,
        label: d.label,
        keyPrefix: d.keyPrefix,
        custom: d.custom,
        createable: d.updateable,
        updateable: d.updateable,
        queryable: d.queryable,
        // Fields the integration user has no field-level security on do not exist for it.
        fields: d.fields.filter((f) => f.visible).map(describeField),
        childRelationships: [],
        recordTypeInfos: [],
        urls: urls(version(req), d.name),
      });
    }),
  );

  app.get(
    '/services/data/:version/sobjects/:type/:id',
    wrap((req, res) => {
      const d = objectOf(req.params.type);
      const rec = org.get(d.name, String(req.params.id));
      if (!rec) throw notFound();
      const wanted =
        typeof req.query.fields === 'string'
          ? req.query.fields.split(',').map((n) => {
              const f = d.byName.get(n.trim().toLowerCase());
              if (!f || !f.visible)
                throw new SfError(
                  400,
                  'INVALID_FIELD',
                  `No such column '${n}' on entity '${d.name}'.`,
                );
              return f;
            })
          : d.fields.filter((f) => f.visible);
      const body: Record<string, unknown> = {
        attributes: { type: d.name, url: recordUrl(dsFor(req), d.name, String(rec.Id)) },
      };
      for (const f of wanted) body[f.name] = formatValue(f, rec[f.name] ?? null);
      sendJson(res, 200, body);
    }),
  );

  app.patch(
    '/services/data/:version/sobjects/:type/:id',
    wrap((req, res) => {
      const d = objectOf(req.params.type);
      const id = String(req.params.id);
      if (!org.get(d.name, id)) throw notFound();
      const fields = parseFields(d, (req.body ?? {}) as Record<string, unknown>);
      const err = checkRecord(org, d, id, fields, faults);
      if (err) throw new SfError(400, err.statusCode, err.message, err.fields);
      apply(org, d, id, fields, writes, 'sobject');
      res.status(204).end();
    }),
  );

  app.post(
    '/services/data/:version/sobjects/:type',
    wrap((req, res) => {
      const d = objectOf(req.params.type);
      const body = (req.body ?? {}) as Record<string, unknown>;
      const fields = parseFields(d, body);
      const values: Record<string, Value> = {};
      for (const [f, v] of fields) {
        if (!f.createable)
          throw new SfError(
            400,
            'INVALID_FIELD_FOR_INSERT_UPDATE',
            `Unable to create/update fields: ${f.name}.`,
            [f.name],
          );
        values[f.name] = v;
      }
      const missing = d.fields.filter(
        (f) => !f.nillable && f.createable && f.type !== 'boolean' && values[f.name] == null,
      );
      if (missing.length)
        throw new SfError(
          400,
          'REQUIRED_FIELD_MISSING',
          `Required fields are missing: [${missing.map((f) => f.name).join(', ')}]`,
          missing.map((f) => f.name),
        );
      createHooks(org, d.name, values);
      const rec = org.insert(d.name, values);
      if (d.name === 'FieldPermissions' || d.name === 'PermissionSetAssignment') org.recomputeFls();
      sendJson(res, 201, { id: rec.Id, success: true, errors: [] });
    }),
  );

  app.patch(
    '/services/data/:version/composite/sobjects',
    wrap((req, res) => {
      const body = (req.body ?? {}) as { allOrNone?: unknown; records?: unknown };
      if (!Array.isArray(body.records))
        throw new SfError(400, 'JSON_PARSER_ERROR', 'The request body must hold a "records" array');
      if (body.records.length > 200)
        throw new SfError(
          400,
          'EXCEEDED_ID_LIMIT',
          'record limit reached. cannot submit more than 200 records into this call',
        );
      const allOrNone = body.allOrNone === true;
      // Request-level validation first: a bad field or type fails the whole call.
      const parsed = body.records.map((r: unknown) => {
        const rec = (r ?? {}) as Record<string, unknown>;
        const type = (rec.attributes as { type?: unknown } | undefined)?.type;
        if (typeof type !== 'string')
          throw new SfError(
            400,
            'INVALID_TYPE',
            'When using the sObject Collections resource, each record must have attributes.type',
          );
        const d = objectOf(type);
        const idKey = Object.keys(rec).find((k) => k.toLowerCase() === 'id');
        return { d, id: idKey ? rec[idKey] : undefined, fields: parseFields(d, rec) };
      });
      const seen = new Set<string>();
      const errors: Array<SaveError | null> = parsed.map((p) => {
        if (typeof p.id === 'string' && seen.has(p.id))
          return {
            statusCode: 'DUPLICATE_VALUE',
            message: 'Duplicate ID value found in the list',
            fields: [],
          };
        if (typeof p.id === 'string') seen.add(p.id);
        return checkRecord(org, p.d, p.id, p.fields, faults);
      });
      const failed = errors.some((e) => e !== null);
      const results = parsed.map((p, i) => {
        const err = errors[i];
        if (err)
          return { id: typeof p.id === 'string' ? p.id : null, success: false, errors: [err] };
        if (allOrNone && failed)
          return {
            id: p.id,
            success: false,
            errors: [
              {
                statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
                message:
                  'Record rolled back because not all records were valid and the request was using AllOrNone header',
                fields: [],
              },
            ],
          };
        apply(org, p.d, p.id as string, p.fields, writes, 'collections');
        return { id: p.id, success: true, errors: [] };
      });
      sendJson(res, 200, results);
    }),
  );

  app.get(
    '/services/data/:version/limits',
    wrap((_req, res) => {
      const used = org.used();
      sendJson(res, 200, {
        DailyApiRequests: { Max: org.dailyMax, Remaining: Math.max(0, org.dailyMax - used) },
        DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 },
        DailyBulkApiBatches: { Max: 15000, Remaining: 15000 },
        DailyAsyncApexExecutions: { Max: 250000, Remaining: 250000 },
      });
    }),
  );

  // Tooling API: CustomField creation (Metadata in the Tooling shape).
  const TYPES: Record<string, FieldType> = {
    Number: 'double',
    Text: 'string',
    LongTextArea: 'textarea',
    TextArea: 'textarea',
    DateTime: 'datetime',
    Date: 'date',
    Checkbox: 'boolean',
    Picklist: 'picklist',
  };
  app.post(
    '/services/data/:version/tooling/sobjects/CustomField',
    wrap((req, res) => {
      const b = (req.body ?? {}) as { FullName?: unknown; Metadata?: Record<string, unknown> };
      const m = /^([A-Za-z][A-Za-z0-9_]*)\.([A-Za-z][A-Za-z0-9_]*__c)$/.exec(
        String(b.FullName ?? ''),
      );
      if (!m)
        throw new SfError(400, 'FIELD_INTEGRITY_EXCEPTION', 'FullName must be Object.Field__c');
      const d = objectOf(m[1]);
      const meta = b.Metadata ?? {};
      const type = TYPES[String(meta.type ?? '')];
      if (!type)
        throw new SfError(
          400,
          'FIELD_INTEGRITY_EXCEPTION',
          `Unsupported field type: ${String(meta.type)}`,
        );
      if (typeof meta.label !== 'string' || meta.label === '')
        throw new SfError(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [Label]', [
          'Label',
        ]);
      if (d.byName.has(m[2].toLowerCase()))
        throw new SfError(
          400,
          'DUPLICATE_DEVELOPER_NAME',
          `There is already a field named ${m[2].replace(/__c$/, '')} on ${d.name}.`,
        );
      const num = (k: string) => (typeof meta[k] === 'number' ? (meta[k] as number) : undefined);
      let picklist: string[] | undefined;
      let labels: Record<string, string> | undefined;
      if (type === 'picklist') {
        const values =
          (
            meta.valueSet as
              | { valueSetDefinition?: { value?: Array<{ fullName: string; label?: string }> } }
              | undefined
          )?.valueSetDefinition?.value ?? [];
        if (values.length === 0)
          throw new SfError(
            400,
            'FIELD_INTEGRITY_EXCEPTION',
            'A picklist needs at least one value',
          );
        picklist = values.map((v) => v.fullName);
        labels = Object.fromEntries(values.map((v) => [v.fullName, v.label ?? v.fullName]));
      }
      if (type === 'double' && (num('precision') === undefined || num('scale') === undefined))
        throw new SfError(
          400,
          'FIELD_INTEGRITY_EXCEPTION',
          'Number fields need precision and scale',
        );
      if (
        (type === 'string' || (type === 'textarea' && meta.type === 'LongTextArea')) &&
        num('length') === undefined
      )
        throw new SfError(400, 'FIELD_INTEGRITY_EXCEPTION', 'Text fields need a length');
      const f = org.addCustomField(d.name, {
        name: m[2],
        label: meta.label,
        type,
        length: type === 'textarea' ? (num('length') ?? 255) : num('length'),
        precision: num('precision'),
        scale: num('scale'),
        picklist,
        picklistLabels: labels,
      });
      sendJson(res, 201, { id: f.toolingId, success: true, errors: [] });
    }),
  );
}

/** Objects whose creation needs a check of its own (FLS rows must name a real field). */
function createHooks(org: Org, object: string, values: Record<string, Value>): void {
  if (object === 'FieldPermissions') {
    const parent = org.get('PermissionSet', String(values.ParentId ?? ''));
    if (!parent)
      throw new SfError(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [
        'ParentId',
      ]);
    const [obj, field] = String(values.Field ?? '').split('.');
    const def = org.apiObject(String(values.SobjectType ?? ''));
    if (
      !def ||
      obj?.toLowerCase() !== def.name.toLowerCase() ||
      !def.byName.get(String(field).toLowerCase())
    )
      throw new SfError(
        400,
        'INVALID_FIELD',
        `Field ${String(values.Field)} is not valid for ${String(values.SobjectType)}`,
        ['Field'],
      );
    for (const fp of org.table('FieldPermissions').values())
      if (
        fp.ParentId === values.ParentId &&
        String(fp.Field).toLowerCase() === String(values.Field).toLowerCase()
      )
        throw new SfError(
          400,
          'DUPLICATE_VALUE',
          `duplicate value found: Field duplicates value on record with id: ${String(fp.Id)}`,
        );
  }
  if (object === 'PermissionSetAssignment') {
    if (!org.get('PermissionSet', String(values.PermissionSetId ?? '')))
      throw new SfError(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [
        'PermissionSetId',
      ]);
    for (const a of org.table('PermissionSetAssignment').values())
      if (a.AssigneeId === values.AssigneeId && a.PermissionSetId === values.PermissionSetId)
        throw new SfError(
          400,
          'DUPLICATE_VALUE',
          `duplicate value found: PermissionSetId duplicates value on record with id: ${String(a.Id)}`,
        );
  }
  if (object === 'PermissionSet') {
    for (const p of org.table('PermissionSet').values())
      if (String(p.Name).toLowerCase() === String(values.Name ?? '').toLowerCase())
        throw new SfError(
          400,
          'DUPLICATE_DEVELOPER_NAME',
          `The API name ${String(values.Name)} is already in use.`,
        );
  }
}
