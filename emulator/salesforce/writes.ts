/**
 * Record updates as Salesforce validates them: request-level problems (an unknown or hidden
 * field, a value of the wrong JSON type) fail the whole request with 400; record-level ones come
 * back per record in SaveResults (`statusCode`, `message`, `fields`).
 */
import { SfError } from './errors';
import { type FaultInjector } from './faults';
import { ID_RE, type Org } from './org';
import { type FieldDef, type SObjectDef } from './schema';
import { type Value } from './soql/eval';

export interface SaveError {
  statusCode: string;
  message: string;
  fields: string[];
}

export interface WriteLog {
  object: string;
  id: string;
  fields: Record<string, Value>;
  at: string;
  via: string;
}

/** Parses one record's JSON fields into stored values, or throws a request-level 400. */
export function parseFields(def: SObjectDef, body: Record<string, unknown>): Map<FieldDef, Value> {
  const out = new Map<FieldDef, Value>();
  for (const [key, raw] of Object.entries(body)) {
    const k = key.toLowerCase();
    if (k === 'attributes' || k === 'id') continue;
    const f = def.byName.get(k);
    if (!f || !f.visible)
      throw new SfError(
        400,
        'INVALID_FIELD',
        `No such column '${key}' on sobject of type ${def.name}`,
      );
    out.set(f, jsonValue(f, raw));
  }
  return out;
}

function jsonValue(f: FieldDef, raw: unknown): Value {
  const bad = (): never => {
    throw new SfError(
      400,
      'JSON_PARSER_ERROR',
      `Cannot deserialize instance of ${f.type} from ${typeof raw === 'string' ? 'VALUE_STRING' : 'VALUE_' + typeof raw} value ${JSON.stringify(raw)}`,
    );
  };
  if (raw === null) return null;
  switch (f.type) {
    case 'int':
    case 'double':
    case 'currency':
    case 'percent':
      return typeof raw === 'number' && Number.isFinite(raw) ? raw : bad();
    case 'boolean':
      return typeof raw === 'boolean' ? raw : bad();
    case 'datetime': {
      const t = typeof raw === 'string' ? Date.parse(raw) : NaN;
      return Number.isFinite(t) ? t : bad();
    }
    case 'date':
      return typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(raw) ? raw : bad();
    default:
      return typeof raw === 'string' ? raw : bad();
  }
}

/** Record-level checks; null when the write may be applied. */
export function checkRecord(
  org: Org,
  def: SObjectDef,
  id: unknown,
  fields: Map<FieldDef, Value>,
  faults: FaultInjector,
): SaveError | null {
  if (typeof id !== 'string' || id === '')
    return {
      statusCode: 'MISSING_ARGUMENT',
      message: 'Id not specified in an update call',
      fields: [],
    };
  if (!ID_RE.test(id))
    return { statusCode: 'MALFORMED_ID', message: `malformed id ${id}`, fields: [] };
  if (!id.startsWith(def.keyPrefix))
    return {
      statusCode: 'MALFORMED_ID',
      message: `${def.name} ID: id value of incorrect type: ${id}`,
      fields: ['Id'],
    };
  const rec = org.get(def.name, id);
  if (!rec || rec.IsDeleted === true)
    return { statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] };
  if (def.name === 'Lead' && rec.IsConverted === true)
    return {
      statusCode: 'CANNOT_UPDATE_CONVERTED_LEAD',
      message: 'cannot reference converted lead',
      fields: [],
    };
  const readOnly = [...fields.keys()].filter((f) => !f.updateable).map((f) => f.name);
  if (readOnly.length)
    return {
      statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
      message: `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
      fields: readOnly,
    };
  for (const [f, v] of fields) {
    if (v === null) {
      if (!f.nillable)
        return {
          statusCode: 'REQUIRED_FIELD_MISSING',
          message: `Required fields are missing: [${f.name}]`,
          fields: [f.name],
        };
      continue;
    }
    if (f.type === 'picklist' && f.restrictedPicklist && !f.picklist?.includes(String(v)))
      return {
        statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        message: `${f.label}: bad value for restricted picklist field: ${String(v)}`,
        fields: [f.name],
      };
    if (typeof v === 'string' && f.length !== undefined && v.length > f.length)
      return {
        statusCode: 'STRING_TOO_LONG',
        message: `${f.label}: data value too large: ${v.slice(0, 40)}… (max length=${f.length})`,
        fields: [f.name],
      };
    if (typeof v === 'number' && f.precision !== undefined) {
      const intDigits = f.precision - (f.scale ?? 0);
      if (Math.abs(v) >= 10 ** intDigits)
        return {
          statusCode: 'NUMBER_OUTSIDE_VALID_RANGE',
          message: `${f.label}: value outside of valid range on numeric field: ${v}`,
          fields: [f.name],
        };
    }
  }
  if (faults.failsValidation(id))
    return {
      statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      message: 'Scores may not change while the lead is in review',
      fields: [],
    };
  if (faults.locked(id))
    return {
      statusCode: 'UNABLE_TO_LOCK_ROW',
      message: `unable to obtain exclusive access to this record or 1 records: ${id}`,
      fields: [],
    };
  return null;
}

export function apply(
  org: Org,
  def: SObjectDef,
  id: string,
  fields: Map<FieldDef, Value>,
  log: WriteLog[],
  via: string,
): void {
  const values: Record<string, Value> = {};
  for (const [f, v] of fields) values[f.name] = v;
  const at = org.now();
  org.update(def.name, id, values, at);
  log.push({ object: def.name, id, fields: values, at: new Date(at).toISOString(), via });
}
