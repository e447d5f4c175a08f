import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_SETTINGS } from '../contracts/settings';
import { isLeadLensError } from '../errors';
import { openStoreEngine } from '../store/open';
import type { StoreEngine } from '../store/port';
import { featurePlanOf, planFeatureProperties, saveFeaturePlan } from './feature-plan';

const META = [
  {
    name: 'industry',
    label: 'Industry',
    type: 'enumeration',
    fieldType: 'select',
    crmDefined: true,
    readOnly: false,
    options: [{ value: 'TECH', label: 'Technology' }],
  },
  {
    name: 'hs_lead_status',
    label: 'Lead Status',
    type: 'enumeration',
    fieldType: 'select',
    crmDefined: true,
    readOnly: false,
  },
  {
    name: 'demo_requested',
    label: 'Demo requested',
    type: 'bool',
    fieldType: 'booleancheckbox',
    crmDefined: false,
    readOnly: false,
  },
];

describe('the feature plan record', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-plan-'));
  const engines: StoreEngine[] = [];
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.close()));
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const open = async (name: string) => {
    const engine = await openStoreEngine({ sqliteFile: path.join(dir, name) });
    engines.push(engine);
    return engine.forPortal('1');
  };

  it('is what train reads: the plan sync saved, with sources and value labels', async () => {
    const store = await open('a.db');
    const plan = planFeatureProperties(META, DEFAULT_SETTINGS);
    await saveFeaturePlan(store, plan, '2026-01-01T00:00:00.000Z');
    const read = await featurePlanOf(store);
    expect(read).toEqual(plan);
    expect(read.spec.fields.find((f) => f.name === 'industry')).toMatchObject({
      source: 'property',
      valueLabels: { TECH: 'Technology' },
    });
    // The custom property is a candidate by default; engineered signals are in the plan too.
    expect(read.spec.fields.map((f) => f.name)).toContain('demo_requested');
    expect(read.spec.fields.some((f) => f.source === 'engineered')).toBe(true);
  });

  it('says to sync first when there is none', async () => {
    const store = await open('b.db');
    try {
      await featurePlanOf(store);
      throw new Error('expected a throw');
    } catch (e) {
      expect(isLeadLensError(e, 'NOT_ENOUGH_DATA')).toBe(true);
      expect((e as { hint: string }).hint).toMatch(/leadlens sync/);
    }
  });

  it('moves a spec an older sync kept in its checkpoint into the record, once', async () => {
    const store = await open('c.db');
    const { spec } = planFeatureProperties(META, DEFAULT_SETTINGS);
    await store.saveJob({
      job: 'sync',
      runId: 'r1',
      status: 'done',
      state: { phase: 'done', spec, properties: [], historyProperties: [] },
      startedAt: '2025-12-01T00:00:00.000Z',
      updatedAt: '2025-12-01T01:00:00.000Z',
    });
    expect(await store.getFeaturePlan()).toBeNull();
    expect((await featurePlanOf(store)).spec).toEqual(spec);
    expect((await store.getFeaturePlan())?.savedAt).toBe('2025-12-01T01:00:00.000Z');
    // A checkpoint spec that is not one is not guessed at.
    const other = await open('d.db');
    await other.saveJob({
      job: 'sync',
      runId: 'r1',
      status: 'done',
      state: { spec: { fields: 'nope' } },
      startedAt: '2025-12-01T00:00:00.000Z',
      updatedAt: '2025-12-01T01:00:00.000Z',
    });
    await expect(featurePlanOf(other)).rejects.toThrow(/No contacts have been synced/);
  });

  it('refuses a stored plan that is not valid, with what to do', async () => {
    const store = await open('e.db');
    await store.saveFeaturePlan('{"v":1,"spec":{}}', '2026-01-01T00:00:00.000Z');
    await expect(featurePlanOf(store)).rejects.toThrow(/not valid/);
  });
});

describe('per-property types from the settings', () => {
  const meta = [
    ...META,
    {
      name: 'region_code',
      label: 'Region',
      type: 'number',
      fieldType: 'number',
      crmDefined: false,
      readOnly: false,
    },
  ];

  it('reads a property as the admin says, whatever its CRM type', () => {
    const plain = planFeatureProperties(meta, DEFAULT_SETTINGS);
    expect(plain.spec.fields.find((f) => f.name === 'region_code')?.type).toBe('number');
    const typed = planFeatureProperties(meta, {
      ...DEFAULT_SETTINGS,
      features: { include: [], exclude: [], types: { region_code: 'category' } },
    });
    expect(typed.spec.fields.find((f) => f.name === 'region_code')?.type).toBe('category');
    // Only properties: an engineered signal keeps its own type.
    expect(typed.spec.fields.filter((f) => f.source === 'engineered')).toEqual(
      plain.spec.fields.filter((f) => f.source === 'engineered'),
    );
  });
});
