import { CURRENT_SCHEMA_VERSION, loadModel, migrate, type Migration } from './artifact';
import { isModelError } from './errors';
import { syntheticLeads } from './testing/synthetic';
import { trainModel } from './train';

const data = syntheticLeads(800, 21);
const { artifact, model } = trainModel({
  ...data,
  options: { model: 'logistic', exclude: ['id'] },
});
const copy = () => JSON.parse(JSON.stringify(artifact)) as Record<string, unknown>;

function expectInvalid(json: unknown, message: RegExp): void {
  try {
    loadModel(json);
  } catch (e) {
    expect(isModelError(e, 'ARTIFACT_INVALID')).toBe(true);
    expect((e as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected ARTIFACT_INVALID');
}

describe('model artifact', () => {
  it('holds the versioned parts the design lists', () => {
    expect(artifact.schemaVersion).toBe(CURRENT_SCHEMA_VERSION);
    expect(Object.keys(artifact).sort()).toEqual(
      [
        'backgroundMean',
        'calibration',
        'core',
        'createdBy',
        'encoder',
        'featureSchema',
        'kind',
        'metrics',
        'schemaVersion',
        'trainingWindow',
      ].sort(),
    );
    // The shipped model is fitted on every labelled row.
    expect(artifact.trainingWindow.rows).toBe(800);
    expect(artifact.trainingWindow.from).toBe(Math.min(...data.times));
  });

  it('rejects corrupt artifacts with the path of the problem', () => {
    expectInvalid('nope', /not a JSON object/);
    expectInvalid({ ...copy(), schemaVersion: undefined }, /no valid schemaVersion/);
    expectInvalid(
      { ...copy(), core: { kind: 'logistic', coef: ['x'], intercept: 0 } },
      /core\.coef\.0/,
    );
    expectInvalid(
      { ...copy(), calibration: { method: 'isotonic', x: [0, 1], y: [0.9, 0.1] } },
      /non-decreasing/,
    );
    const c = copy();
    (c.core as { coef: number[] }).coef.pop();
    expectInvalid(c, /core expects/);
  });

  it('refuses an artifact from a newer LeadLens with an upgrade hint', () => {
    try {
      loadModel({ ...copy(), schemaVersion: CURRENT_SCHEMA_VERSION + 1 });
      throw new Error('expected a throw');
    } catch (e) {
      expect(isModelError(e, 'ARTIFACT_INVALID')).toBe(true);
      expect((e as { hint: string }).hint).toMatch(/Upgrade LeadLens/);
    }
  });

  it('migrates older versions step by step through the migration table', () => {
    // A made-up history: v1 named the window "window", v2 renamed it.
    const table: Record<number, Migration> = {
      1: ({ window, ...rest }) => ({ ...rest, trainingWindow: window }),
      2: (a) => ({ ...a, createdBy: `${String(a.createdBy)} (migrated)` }),
    };
    const v1 = { schemaVersion: 1, window: { rows: 3 }, createdBy: 'x' };
    expect(migrate(v1, 3, table)).toEqual({
      schemaVersion: 3,
      trainingWindow: { rows: 3 },
      createdBy: 'x (migrated)',
    });
    expect(() => migrate({ schemaVersion: 1 }, 3, { 1: (a) => a })).toThrow(
      /No migration from model artifact schemaVersion 2/,
    );
  });

  it('loads the current version unchanged', () => {
    expect(loadModel(copy()).predictProba(data.rows)).toEqual(model.predictProba(data.rows));
  });
});
