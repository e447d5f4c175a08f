/** Properties v3 and property groups: CRUD with HubSpot's 201/409/204 and type checks. */
import { type Express, type Request, type Response } from 'express';
import { z } from 'zod';
import { HubSpotHttpError, validation } from '../errors';
import { crm, json, schemaScope, storeOf, type Ctx } from '../routing';
import {
  defaultFieldType,
  FIELD_TYPES,
  type PropertyDef,
  type PropertyGroup,
} from '../state/schema';
import { iso } from '../state/types';

const BASE = '/crm/v3/properties/:objectType';
const NAME = /^[a-z][a-z0-9_]*$/;
const OptionSchema = z.object({
  label: z.string().min(1),
  value: z.string().min(1),
  displayOrder: z.number().int().optional(),
  hidden: z.boolean().optional(),
  description: z.string().optional(),
});
const CreateSchema = z.object({
  name: z.string().regex(NAME, 'must match ^[a-z][a-z0-9_]*$'),
  label: z.string().min(1),
  type: z.enum(['string', 'number', 'date', 'datetime', 'enumeration', 'bool', 'phone_number']),
  fieldType: z.string(),
  groupName: z.string().min(1),
  description: z.string().optional(),
  displayOrder: z.number().int().optional(),
  hidden: z.boolean().optional(),
  formField: z.boolean().optional(),
  hasUniqueValue: z.boolean().optional(),
  options: z.array(OptionSchema).optional(),
  calculationFormula: z.string().optional(),
  externalOptions: z.boolean().optional(),
});
const UpdateSchema = CreateSchema.omit({ name: true }).partial();
const GroupSchema = z.object({
  name: z.string().regex(NAME),
  label: z.string().min(1),
  displayOrder: z.number().int().optional(),
});

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success)
    throw validation(
      `Invalid input: ${r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`,
    );
  return r.data;
}

export function propertyJson(p: PropertyDef) {
  return {
    name: p.name,
    label: p.label,
    type: p.type,
    fieldType: p.fieldType,
    description: p.description,
    groupName: p.groupName,
    options: p.options,
    displayOrder: p.displayOrder,
    calculated: p.calculated,
    externalOptions: false,
    hasUniqueValue: p.hasUniqueValue,
    hidden: p.hidden,
    hubspotDefined: p.hubspotDefined,
    formField: p.formField,
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.updatedAt),
    archived: p.archived,
    modificationMetadata: {
      archivable: !p.hubspotDefined,
      readOnlyDefinition: p.hubspotDefined,
      readOnlyValue: p.readOnlyValue,
    },
  };
}

const groupJson = (g: PropertyGroup) => ({
  name: g.name,
  label: g.label,
  displayOrder: g.displayOrder,
  archived: g.archived,
});

function checkShape(type: PropertyDef['type'], fieldType: string, options: unknown[] | undefined) {
  if (!FIELD_TYPES[type].includes(fieldType))
    throw validation(
      `fieldType "${fieldType}" is not valid for type "${type}"; use one of ${FIELD_TYPES[type].join(', ')}.`,
    );
  if (type === 'enumeration' && fieldType !== 'booleancheckbox' && !options?.length)
    throw validation('An enumeration property needs at least one option.');
}

const options = (o: z.infer<typeof OptionSchema>[] | undefined) =>
  (o ?? []).map((x, i) => ({
    label: x.label,
    value: x.value,
    displayOrder: x.displayOrder ?? i,
    hidden: x.hidden ?? false,
    ...(x.description ? { description: x.description } : {}),
  }));

const groupParam = (req: Request) => String(req.params.groupName);

/** The route's property group; 404 OBJECT_NOT_FOUND when there is none or it is archived. */
function liveGroup(req: Request, res: Response) {
  const g = storeOf(res, req.params.objectType).schema.groups.get(groupParam(req));
  if (!g || g.archived)
    throw new HubSpotHttpError(
      404,
      'OBJECT_NOT_FOUND',
      `Property group ${groupParam(req)} does not exist.`,
    );
  return g;
}

/** The route's property; 404 OBJECT_NOT_FOUND when there is none. */
function existingProperty(req: Request, res: Response) {
  const p = storeOf(res, req.params.objectType).schema.get(req.params.propertyName);
  if (!p)
    throw new HubSpotHttpError(
      404,
      'OBJECT_NOT_FOUND',
      `Property ${req.params.propertyName} does not exist.`,
    );
  return p;
}

export function registerProperties(app: Express, ctx: Ctx): void {
  crm(app, ctx, 'get', `${BASE}/groups`, schemaScope('read'), (req, res) => {
    const s = storeOf(res, req.params.objectType).schema;
    json(res, 200, { results: [...s.groups.values()].filter((g) => !g.archived).map(groupJson) });
  });
  crm(app, ctx, 'post', `${BASE}/groups`, schemaScope('write'), (req, res) => {
    const s = storeOf(res, req.params.objectType).schema;
    const g = parse(GroupSchema, req.body);
    if (s.groups.get(g.name) && !s.groups.get(g.name)!.archived)
      throw new HubSpotHttpError(
        409,
        'CONFLICT',
        `A property group named ${g.name} already exists.`,
      );
    const group = {
      name: g.name,
      label: g.label,
      displayOrder: g.displayOrder ?? -1,
      archived: false,
    };
    s.groups.set(g.name, group);
    json(res, 201, groupJson(group));
  });
  crm(app, ctx, 'get', `${BASE}/groups/:groupName`, schemaScope('read'), (req, res) => {
    const g = liveGroup(req, res);
    json(res, 200, groupJson(g));
  });
  crm(app, ctx, 'patch', `${BASE}/groups/:groupName`, schemaScope('write'), (req, res) => {
    const g = liveGroup(req, res);
    const u = parse(GroupSchema.omit({ name: true }).partial(), req.body);
    Object.assign(g, u);
    json(res, 200, groupJson(g));
  });
  crm(app, ctx, 'delete', `${BASE}/groups/:groupName`, schemaScope('write'), (req, res) => {
    const g = storeOf(res, req.params.objectType).schema.groups.get(groupParam(req));
    if (g) g.archived = true;
    res.status(204).end();
  });

  crm(app, ctx, 'get', BASE, schemaScope('read'), (req, res) => {
    const s = storeOf(res, req.params.objectType).schema;
    const archived = String(req.query.archived) === 'true';
    json(res, 200, {
      results: [...s.props.values()].filter((p) => p.archived === archived).map(propertyJson),
    });
  });
  crm(app, ctx, 'post', BASE, schemaScope('write'), (req, res) => {
    const s = storeOf(res, req.params.objectType).schema;
    const p = parse(CreateSchema, req.body);
    if (s.get(p.name))
      throw new HubSpotHttpError(409, 'CONFLICT', `A property named "${p.name}" already exists.`);
    if (!s.groups.get(p.groupName))
      throw validation(`Property group "${p.groupName}" does not exist; create it first.`);
    checkShape(p.type, p.fieldType, p.options);
    const now = Date.now();
    const opts = options(p.options);
    if (p.type === 'bool' && !opts.length)
      opts.push(
        { label: 'Yes', value: 'true', displayOrder: 0, hidden: false },
        { label: 'No', value: 'false', displayOrder: 1, hidden: false },
      );
    const def = s.add({
      name: p.name,
      label: p.label,
      type: p.type,
      fieldType: p.fieldType ?? defaultFieldType(p.type),
      groupName: p.groupName,
      description: p.description ?? '',
      displayOrder: p.displayOrder ?? -1,
      hidden: p.hidden ?? false,
      formField: p.formField ?? false,
      options: opts,
      hubspotDefined: false,
      readOnlyValue: false,
      calculated: false,
      hasUniqueValue: p.hasUniqueValue ?? false,
      createdAt: now,
      updatedAt: now,
      archived: false,
    });
    json(res, 201, propertyJson(def));
  });
  crm(app, ctx, 'get', `${BASE}/:propertyName`, schemaScope('read'), (req, res) => {
    const p = existingProperty(req, res);
    json(res, 200, propertyJson(p));
  });
  crm(app, ctx, 'patch', `${BASE}/:propertyName`, schemaScope('write'), (req, res) => {
    const p = existingProperty(req, res);
    if (p.hubspotDefined)
      throw validation(`${p.name} is HubSpot-defined; its definition is read-only.`);
    const u = parse(UpdateSchema, req.body);
    const type = u.type ?? p.type;
    const fieldType = u.fieldType ?? (u.type ? defaultFieldType(u.type) : p.fieldType);
    checkShape(type, fieldType, u.options ?? p.options);
    Object.assign(p, {
      ...u,
      type,
      fieldType,
      options: u.options ? options(u.options) : p.options,
      updatedAt: Date.now(),
    });
    json(res, 200, propertyJson(p));
  });
  crm(app, ctx, 'delete', `${BASE}/:propertyName`, schemaScope('write'), (req, res) => {
    const p = storeOf(res, req.params.objectType).schema.get(req.params.propertyName);
    if (p?.hubspotDefined) throw validation(`${p.name} is HubSpot-defined and cannot be archived.`);
    if (p) {
      p.archived = true;
      p.updatedAt = Date.now();
    }
    res.status(204).end();
  });
}
