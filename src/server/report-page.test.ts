import type { StoredReport } from '../pipeline/report';
import type { StoredModel } from '../store/port';
import { renderReportPage } from './report-page';

const fold = (k: number, auc: number | null) => ({
  fold: k,
  train: 1000 + 200 * k,
  embargoed: 40,
  test: 200,
  testPositives: 30,
  trainFrom: Date.UTC(2026, 0, 1),
  origin: Date.UTC(2026, 3, k),
  testTo: Date.UTC(2026, 4, k),
  auc,
});

const report = (verdict: StoredReport['verdict']): StoredReport => ({
  modelType: 'logistic',
  metrics: {
    auc: 0.81,
    atTiers: [{ tier: 'Hot', min: 70, precision: 0.5, recall: 0.25, predictedPositive: 60 }],
  },
  candidates: [],
  splits: { train: 1800, test: 600, folds: 3 },
  backtest: {
    folds: [fold(1, 0.8), fold(2, null), fold(3, 0.82)],
    candidates: [
      {
        kind: 'logistic',
        settings: { C: 1 },
        weighting: { classWeight: null, recency: false },
        foldAuc: [0.8, null, 0.82],
        meanAuc: 0.81,
        seAuc: 0.01,
        tied: true,
        chosen: true,
      },
      {
        kind: 'gbdt',
        settings: { nRounds: 50 },
        weighting: { classWeight: 'balanced', recency: true },
        foldAuc: [0.81, null, 0.81],
        meanAuc: 0.81,
        seAuc: 0,
        tied: true,
        chosen: false,
      },
    ],
    meanAuc: 0.81,
    seAuc: 0.01,
    rule: 'the tie rule in words',
  },
  verdict,
  excluded: [],
  featureFields: [],
  trainingRows: 1800,
  conversionRate: 0.2,
  censored: 12,
  heldOut: { ids: [], scores: [], labels: [] },
  weeklyInflow: 10,
  trainingWindow: { from: '2026-01-01T00:00:00Z', to: '2026-06-01T00:00:00Z' },
  conversion: { kind: 'lifecycle_customer', horizonDays: 120 },
});

const model = (version: number, r: StoredReport): StoredModel =>
  ({
    version,
    status: 'published',
    modelType: r.modelType,
    artifact: '{}',
    report: JSON.stringify(r),
    trainedAt: '2026-06-01T00:00:00Z',
    publishedAt: '2026-06-01T00:00:00Z',
  }) as StoredModel;

const base = { models: [], stats: [], feedback: [], drift: null };

describe('the model report page', () => {
  it('shows every backtest fold, every candidate, the rule and precision/recall per tier', () => {
    const r = report({ ok: true, code: 'OK', message: 'fine', published: true });
    const html = renderReportPage({ ...base, published: model(3, r), report: r });
    expect(html).toContain('Backtests (3 folds, expanding window)');
    expect(html).toMatch(/<td>2<\/td><td>1400 \(2026-01-01 → 2026-04-02\)<\/td><td>40<\/td>/);
    expect(html).toContain('0.800 · — · 0.820');
    expect(html).toContain('balanced classes + recency');
    expect(html).toContain('the tie rule in words');
    expect(html).toMatch(
      /<td>Hot<\/td><td>70<\/td><td>60<\/td><td>50[.,]0\s?%<\/td><td>25[.,]0\s?%<\/td>/,
    );
    expect(html).not.toContain('no usable signal');
  });

  it('says what the search schedule did on large data: rows used per fold, the caps, the ladder', () => {
    const r = report({ ok: true, code: 'OK', message: 'fine', published: true });
    const sampled = {
      ...r,
      backtest: {
        ...r.backtest!,
        folds: r.backtest!.folds.map((f) => ({
          ...f,
          trainWindow: f.train * 10,
          testBlock: 5000,
        })),
        schedule: {
          budgeted: true,
          threshold: 50000,
          trainCap: 1400,
          testCap: 200,
          ladder: [
            { rows: 1400, nRounds: 100, auc: 0.8 },
            { rows: 5600, nRounds: 150, auc: 0.81 },
          ],
          rate: {
            base: { learningRate: 0.1, nRounds: 300, auc: 0.8606 },
            fast: { learningRate: 0.3, nRounds: 300, auc: 0.8666 },
            se: 0.005,
            fold: 0,
            chosen: 0.3,
          },
        },
      },
    } as StoredReport;
    const html = renderReportPage({ ...base, published: model(3, sampled), report: sampled });
    expect(html).toMatch(/<td>2<\/td><td>1400 of 14000 \(2026-01-01/);
    expect(html).toContain('<td>200 of 5000</td>');
    expect(html).toContain('at most 1400 contacts of its window and scored on at most 200');
    expect(html).toContain('1400 contacts → 100, 5600 contacts → 150');
    expect(html).toContain(
      'learning rate compared on fold 1: 0.1 (AUC 0.8606) vs 0.3 (AUC 0.8666); 0.3 used for every later fit',
    );
    // Not budgeted (a small portal, or a report stored before the schedule): no note.
    expect(renderReportPage({ ...base, published: model(3, r), report: r })).not.toContain(
      'Large data',
    );
  });

  it('puts a banner above the report when the newest model had no signal and was kept back', () => {
    const ok = report({ ok: true, code: 'OK', message: 'fine', published: true });
    const bad = report({
      ok: false,
      code: 'NO_SIGNAL',
      message: 'No candidate beats chance by a margin the backtests support.',
      published: false,
    });
    const html = renderReportPage({
      ...base,
      published: model(3, ok),
      report: ok,
      latest: model(4, bad),
      latestReport: bad,
    });
    expect(html).toContain('<b>Model v4 has no usable signal.</b>');
    expect(html).toContain('the previous model keeps scoring');
    const none = renderReportPage({
      ...base,
      published: null,
      report: null,
      latest: model(1, bad),
      latestReport: bad,
    });
    expect(none).toContain('Model v1 has no usable signal');
    expect(none).toContain('No model is published.');
  });

  it('lists the records the CRM refused: record, reason, since when and what to do', () => {
    const r = report({ ok: true, code: 'OK', message: 'fine', published: true });
    const failure = (id: string, code: string, retryable: boolean, attempts = 1) => ({
      objectType: 'contact' as const,
      id,
      code,
      message: `<b>${code}</b> said the CRM`,
      retryable,
      attempts,
      valuesKey: 'k',
      failedAt: `2026-06-0${id.length}T10:00:00.000Z`,
    });
    const html = renderReportPage({
      ...base,
      published: model(3, r),
      report: r,
      writeFailures: {
        total: 7,
        rows: [
          failure('101', 'READ_ONLY_VALUE', false),
          failure('2002', 'OBJECT_NOT_FOUND', false),
          failure('30003', 'INTERNAL_ERROR', true, 2),
        ],
      },
    });
    expect(html).toContain('Records the CRM refused (7)');
    expect(html).toContain('The newest 3 are listed');
    expect(html).toMatch(
      /<td>contact 101<\/td><td><b>READ_ONLY_VALUE<\/b> &lt;b&gt;READ_ONLY_VALUE&lt;\/b&gt; said the CRM<\/td><td>2026-06-03T10:00:00.000Z<\/td><td>A LeadLens property is read-only/,
    );
    expect(html).toMatch(/contact 2002<\/td>.*2026-06-04T10:00:00.000Z.*deleted or merged/);
    expect(html).toMatch(/contact 30003<\/td>.*\(2 tries\).*Temporary: LeadLens sends it again/);
    // Nothing refused, no section.
    const clean = renderReportPage({
      ...base,
      published: model(3, r),
      report: r,
      writeFailures: { total: 0, rows: [] },
    });
    expect(clean).not.toContain('Records the CRM refused');
  });

  it('has an account section: version, backtest AUC against the baselines, tiers, top factors, and why the last run skipped', () => {
    const r = report({ ok: true, code: 'OK', message: 'fine', published: true });
    const account = {
      kind: 'account',
      chosen: 'logistic',
      verdict: { code: 'OK' },
      backtest: { meanAuc: 0.733 },
      trainingRows: 719,
      positives: 140,
      horizonDays: 90,
      contactModelVersion: 2,
      baselines: {
        folds: [
          {
            fold: 1,
            test: 120,
            testPositives: 20,
            origin: Date.UTC(2026, 2, 1),
            auc: 0.72,
            bestContactAuc: 0.7,
            committeeSizeAuc: 0.48,
          },
        ],
        bestContactAuc: 0.708,
        committeeSizeAuc: 0.478,
      },
    };
    const stored = (version: number, status: string, rep: unknown) =>
      ({
        ...model(version, r),
        status,
        modelType: 'logistic',
        report: JSON.stringify(rep),
      }) as StoredModel;
    const factors = (points: number) =>
      JSON.stringify({
        v: 1,
        score: 50,
        base: 40,
        top: [{ field: 'committee_size', label: 'Committee size', points }],
        otherPoints: 0,
        modelVersion: '3',
      });
    const score = (id: string, tier: string, points: number) =>
      ({ objectType: 'company', id, score: 50, tier, factors: factors(points) }) as never;
    const html = renderReportPage({
      ...base,
      published: model(3, r),
      report: r,
      accounts: {
        models: [
          stored(1, 'retired', { verdict: { code: 'NO_SIGNAL' } }),
          stored(2, 'published', account),
        ],
        scores: [score('1', 'tier_1', 6), score('2', 'tier_2', 2), score('3', 'tier_2', -2)],
        tiers: [
          { value: 'tier_1', label: 'Hot', minScore: 70 },
          { value: 'tier_2', label: 'Cold', minScore: 0 },
        ],
      },
      objectStages: [
        {
          stage: 'accounts',
          at: '2026-06-02T00:00:00Z',
          skipped: 'missing CRM permission for account scores: <x>',
          missingScopes: ['crm.schemas.companies.write'],
        },
      ],
    });
    const section = html.slice(html.indexOf('<h2 id="account-model">'));
    expect(section).toMatch(
      /Account model v2 · logistic, trained .* on 719 company moments \(140 won a deal within 90 days\); committee contact scores from contact model v2/,
    );
    expect(section).toMatch(
      /Backtest AUC <b>0.733<\/b> against <b>0.708<\/b> for the best contact score alone and <b>0.478<\/b> for the committee size alone/,
    );
    expect(section).toContain(
      '<td>1</td><td>2026-03-01</td><td>120</td><td>20</td><td>0.720</td><td>0.700</td><td>0.480</td>',
    );
    expect(section).toMatch(/Hot <span class="muted">tier_1<\/span><\/td><td>70<\/td><td>1<\/td>/);
    expect(section).toMatch(/Cold <span class="muted">tier_2<\/span><\/td><td>0<\/td><td>2<\/td>/);
    expect(section).toContain('<td>Committee size</td><td>3</td><td>+2.0</td>');
    expect(section).toContain('<td>v1</td><td>logistic</td><td>retired</td>');
    expect(section).toMatch(
      /id="accounts-skipped".*missing CRM permission for account scores: &lt;x&gt;/,
    );
    // No account model yet, and no skip: the section says how to get one.
    const empty = renderReportPage({
      ...base,
      published: model(3, r),
      report: r,
      accounts: { models: [], scores: [], tiers: [] },
    });
    expect(empty).toMatch(
      /No account model yet: <code>leadlens run<\/code> \(or <code>leadlens accounts<\/code>\)/,
    );
    expect(empty).not.toContain('accounts-skipped');
  });
});
