/** Validation of property values on writes, with HubSpot's VALIDATION_ERROR details. */
import { validation, HubSpotHttpError } from './errors';
import { type ObjectStore } from './state/records';
import { type PropertyDef } from './state/schema';

interface Problem {
  isValid: false;
  message: string;
  error: string;
  name: string;
}

/** Properties a client may set although HubSpot marks them as system ones. */
const WRITABLE_SYSTEM = new Set(['createdate']);

function normalize(def: PropertyDef, raw: string): string | Problem {
  const bad = (error: string, message: string): Problem => ({
    isValid: false,
    error,
    message,
    name: def.name,
  });
  if (raw === '') return raw; // clears the value
  switch (def.type) {
    case 'number':
      return /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw.trim())
        ? raw.trim()
        : bad('INVALID_DECIMAL', `${raw} was not a valid number.`);
    case 'bool': {
      const v = raw.toLowerCase();
      return v === 'true' || v === 'false'
        ? v
        : bad('INVALID_BOOLEAN', `${raw} was not a valid boolean (true/false).`);
    }
    case 'enumeration': {
      const allowed = def.options.map((o) => o.value);
      const values = def.fieldType === 'checkbox' ? raw.split(';') : [raw];
      const wrong = values.find((v) => !allowed.includes(v));
      return wrong === undefined
        ? raw
        : bad(
            'INVALID_OPTION',
            `${wrong} was not one of the allowed options: [${allowed.join(', ')}]`,
          );
    }
    case 'datetime': {
      const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
      return Number.isFinite(ms)
        ? new Date(ms).toISOString()
        : bad(
            'INVALID_DATETIME',
            `${raw} is not a valid datetime (ISO 8601 or epoch milliseconds).`,
          );
    }
    case 'date': {
      if (/^\d{4}-\d{2}-\d{2}$/.test(raw) && Number.isFinite(Date.parse(raw))) return raw;
      if (/^\d+$/.test(raw) && Number(raw) % 86_400_000 === 0)
        return new Date(Number(raw)).toISOString().slice(0, 10);
      return bad(
        'INVALID_DATE',
        `${raw} is not a valid date: use YYYY-MM-DD or epoch milliseconds at midnight UTC.`,
      );
    }
    case 'phone_number': {
      // HubSpot documents the type, not its validation: the stricter reading accepts what a
      // phone number can look like (+, digits, spaces, . - ( ), an extension) and no letters.
      const v = raw.trim();
      const digits = v.replace(/\D/g, '').length;
      return /^\+?[\d\s().-]+((\s*(x|ext\.?)\s*)\d+)?$/i.test(v) && digits >= 3 && digits <= 20
        ? v
        : bad('INVALID_PHONE_NUMBER', `${raw} is not a valid phone number.`);
    }
    default:
      return raw.length > 65_536
        ? bad('INVALID_STRING', `value of ${def.name} is longer than 65536 characters.`)
        : raw;
  }
}

/** Checks and normalises a `properties` object; throws one 400 naming every bad property. */
export function validateProperties(store: ObjectStore, input: unknown): Record<string, string> {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input))
    throw validation(
      'Invalid input JSON: "properties" must be an object of property name → string value.',
    );
  const out: Record<string, string> = {};
  const problems: Problem[] = [];
  for (const [name, value] of Object.entries(input as Record<string, unknown>)) {
    const def = store.schema.get(name);
    if (!def) {
      problems.push({
        isValid: false,
        error: 'PROPERTY_DOESNT_EXIST',
        message: `Property "${name}" does not exist`,
        name,
      });
      continue;
    }
    if ((def.readOnlyValue || def.calculated) && !WRITABLE_SYSTEM.has(name)) {
      problems.push({
        isValid: false,
        error: 'READ_ONLY_VALUE',
        message: `"${name}" is a read only property; its value cannot be set.`,
        name,
      });
      continue;
    }
    const raw =
      value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
    const v = normalize(def, raw);
    if (typeof v === 'string') out[name] = v;
    else problems.push(v);
  }
  if (problems.length)
    throw validation(
      `Property values were not valid: ${JSON.stringify(problems)}`,
      problems.map((p) => ({
        message: p.message,
        code: p.error,
        context: { propertyName: [p.name] },
      })),
    );
  return out;
}

export function conflict(message: string): HubSpotHttpError {
  return new HubSpotHttpError(409, 'CONFLICT', message);
}
