import fs from 'node:fs';
import path from 'node:path';
import type { CrmRecord } from '../contracts/records';
import type { Tier } from '../contracts/settings';
import { isLeadLensError } from '../errors';
import { loadModel } from '../model';
import type { ScoreRow, StoredModel } from '../store/port';
import { readReport } from './report';
import { scoreRecords } from './score-records';
import {
  loadedModel,
  packScoringModel,
  SCORING_MODEL_FORMAT,
  scoringModelFromFile,
  unpackScoringModel,
} from './scoring-model';

/** Models as commit e7c318b stored them (test/fixtures/legacy/README.md). */
const legacy = JSON.parse(
  fs.readFileSync(
    path.join(__dirname, '../../test/fixtures/legacy/stored-models-e7c318b.json'),
    'utf8',
  ),
) as {
  asOf: number;
  scoredAt: string;
  tiers: Tier[];
  records: CrmRecord[];
  models: Array<{ stored: StoredModel; scores: ScoreRow[] }>;
};

const score = (stored: StoredModel) =>
  scoreRecords(loadedModel(stored), legacy.records, {
    objectType: 'contact',
    asOf: legacy.asOf,
    tiers: legacy.tiers,
    scoredAt: legacy.scoredAt,
  });

describe('stored models: the scoring envelope and the models stored before it', () => {
  it('the fixture holds bare artifacts whose feature plan is only in the report', () => {
    expect(legacy.models.map((m) => m.stored.modelType)).toEqual(['logistic', 'gbdt']);
    for (const { stored } of legacy.models) {
      const artifact = JSON.parse(stored.artifact);
      expect(artifact.schemaVersion).toBe(1);
      expect(artifact.format).toBeUndefined();
      expect(readReport(stored)!.featureFields.some((f) => f.source === 'engineered')).toBe(true);
    }
  });

  it('an old stored logistic model loads through the migration and scores exactly as it did', () => {
    const { stored, scores } = legacy.models[0];
    expect(scores.length).toBeGreaterThan(10);
    // Every field to the last bit: probability, score, tier, factors JSON, reasons.
    expect(score(stored)).toEqual(scores);
  });

  it('an old stored GBDT loads through the migration and scores as it did', () => {
    const { stored, scores } = legacy.models[1];
    const rows = score(stored);
    // Scores, tiers, points, values and reasons exactly. TreeSHAP sums tables for a batch of 16
    // rows or more and recurses below (docs/explain.md): these 12 rows were explained in a batch
    // of 669 then, alone now, so log-odds may differ in the last bit or two.
    expect(rows.map(({ probability: _p, factors: _f, ...r }) => r)).toEqual(
      scores.map(({ probability: _p, factors: _f, ...r }) => r),
    );
    rows.forEach((row, i) => {
      expect(row.probability).toBeCloseTo(scores[i].probability, 12);
      const now = JSON.parse(row.factors);
      const then = JSON.parse(scores[i].factors);
      expect(now.top.map(({ logOdds: _l, ...f }: { logOdds: number }) => f)).toEqual(
        then.top.map(({ logOdds: _l, ...f }: { logOdds: number }) => f),
      );
      now.top.forEach((f: { logOdds: number }, j: number) =>
        expect(f.logOdds).toBeCloseTo(then.top[j].logOdds, 12),
      );
      expect({ ...now, top: null }).toEqual({ ...then, top: null });
    });
  });

  it('the same model in an envelope scores the same, and never reads the report', () => {
    for (const { stored } of legacy.models) {
      const features = readReport(stored)!.featureFields;
      const envelope: StoredModel = {
        ...stored,
        artifact: packScoringModel(JSON.parse(stored.artifact), features),
        report: 'not a report',
      };
      expect(JSON.parse(envelope.artifact)).toMatchObject({
        format: SCORING_MODEL_FORMAT,
        version: 1,
      });
      expect(score(envelope)).toEqual(score(stored));
    }
  });

  it('an old stored model without a readable report cannot be scored, and says what to do', () => {
    const { stored } = legacy.models[0];
    try {
      loadedModel({ ...stored, version: 77, report: '{}' });
      throw new Error('expected a throw');
    } catch (e) {
      expect(isLeadLensError(e, 'ARTIFACT_INVALID')).toBe(true);
      expect((e as Error & { hint: string }).hint).toMatch(/Retrain/);
    }
  });

  it('refuses an envelope from a newer LeadLens and one whose plan misses a field', () => {
    const { stored } = legacy.models[0];
    const artifact = JSON.parse(stored.artifact);
    const features = readReport(stored)!.featureFields;
    const none = { reportFeatures: () => null };
    const newer = JSON.stringify({
      ...JSON.parse(packScoringModel(artifact, features)),
      version: 2,
    });
    expect(() => unpackScoringModel(newer, none)).toThrow(/envelope version 2/);
    const short = packScoringModel(artifact, features.slice(1));
    expect(() => unpackScoringModel(short, none)).toThrow(/does not build/);
    expect(() => unpackScoringModel('[1]', none)).toThrow(/not a JSON object/);
  });

  it('a model file for CSV scoring may be a bare artifact or an envelope (with its labels)', () => {
    const { stored } = legacy.models[0];
    const artifact = JSON.parse(stored.artifact);
    const features = readReport(stored)!.featureFields;
    const bare = scoringModelFromFile(artifact);
    expect(bare.valueLabels.size).toBe(0);
    const wrapped = scoringModelFromFile(JSON.parse(packScoringModel(artifact, features)));
    expect(wrapped.valueLabels.get('seniority')).toMatchObject({ c_level: 'C-level' });
    expect(wrapped.model.core).toEqual(loadModel(artifact).core);
  });
});
