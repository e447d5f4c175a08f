/**
 * Governance end to end, through the real @hubspot/api-client against the emulator, over
 * simulated months (the pipeline's clock is the test's): a challenger trained in shadow mode
 * is scored beside the champion on every record and never written to HubSpot; a market shift
 * written through the API trips a drift alert that appears in HubSpot as a task for the admin
 * (exactly once); outcomes arriving later judge both models on the same records and the
 * admin's rule promotes the challenger; every decision is in the log and on the model cards.
 */
import { DEFAULT_GOVERNANCE, DEFAULT_SETTINGS } from '../../src/contracts/settings';
import {
  alertAsksForRetrain,
  governanceStatus,
  modelCard,
  runToCompletion,
} from '../../src/pipeline';
import { composeDeps, type AppDeps } from '../../src/server/compose';
import { silentLogger } from '../../src/pipeline';
import { startHubSpotEmulator } from '../../emulator/hubspot';
import { cliOutput } from '../support/cli-output';
import {
  AS_ADMIN,
  listenLocal,
  PORTAL,
  sdk,
  tempDb,
  TOKEN,
  writesOf,
  type Emulator,
} from './helpers';

jest.setTimeout(600_000);

const DAY = 86_400_000;
const SHIFTED = 'industry';
const SHIFTED_TO = 'COMPUTER_SOFTWARE';
const OWNER = '4242';

describe('governance over simulated months', () => {
  let emu: Emulator;
  let deps: AppDeps;
  const realNow = Date.now();
  let clock = realNow - 59 * DAY;
  const dbFile = tempDb('governance');
  const iso = () => new Date(clock).toISOString();

  beforeAll(async () => {
    // The portal's history ends 60 days before today: the first runs happen "back then", and
    // what the test writes through the API today lies in those runs' future.
    emu = await startHubSpotEmulator({
      port: 0,
      token: TOKEN,
      seed: 'governance',
      contacts: 1500,
      now: new Date(realNow - 60 * DAY).toISOString(),
      // The same contacts whatever the clock: with streams keyed by \`now\` each run got another
      // portal, and in one the feature guards dropped the very field this test shifts.
      stableSeed: true,
      rateLimit: { tenSecondly: null, secondly: null, daily: null },
    });
    deps = await composeDeps({
      baseUrl: emu.url,
      token: TOKEN,
      portalId: PORTAL,
      databaseUrl: null,
      dbFile,
      log: silentLogger,
      now: () => clock,
    });
  });
  afterAll(async () => {
    await deps?.close();
    await emu?.close();
  });

  async function tasks() {
    const client = sdk(emu.url);
    const out: Array<Record<string, string | null>> = [];
    let after: string | undefined;
    for (;;) {
      const page = await client.crm.objects.tasks.basicApi.getPage(100, after, [
        'hs_task_subject',
        'hs_task_body',
        'hubspot_owner_id',
        'hs_task_status',
        'hs_timestamp',
      ]);
      out.push(...page.results.map((r) => r.properties));
      after = page.paging?.next?.after;
      if (!after) return out;
    }
  }

  it('publishes v1, then scores a shadow challenger v2 beside it without writing it to HubSpot', async () => {
    await deps.store.saveSettings(
      {
        ...DEFAULT_SETTINGS,
        model: 'tree',
        governance: {
          ...DEFAULT_GOVERNANCE,
          promotion: 'rule',
          promoteMinOutcomes: 20,
          alertOwnerId: OWNER,
        },
      },
      iso(),
    );
    const first = await runToCompletion(deps, { retrain: 'always' });
    expect(first.status).toBe('done');
    const v1 = await deps.store.getPublishedModel();
    expect(v1?.version).toBe(1);

    // Shadow mode on, another model family: v2 enters as a challenger.
    await deps.store.saveSettings(
      { ...(await deps.store.getSettings()), model: 'logistic', shadowMode: true },
      iso(),
    );
    clock += 3_600_000;
    const before = await writesOf(emu.url);
    const second = await runToCompletion(deps, { retrain: 'always' });
    expect(second.status).toBe('done');
    const models = await deps.store.listModels();
    expect(models.map((m) => [m.version, m.status])).toEqual([
      [1, 'published'],
      [2, 'shadow'],
    ]);
    const score = second.summary.score as Record<string, number>;
    expect(score.challengerVersion).toBe(2);
    expect(score.scored).toBeGreaterThan(500);
    expect(score.challengerScored).toBe(score.scored);

    // Every record the champion scored has the challenger's score beside it, paired.
    const kept = await deps.store.listModelScores(2, { limit: 10_000 });
    expect(kept.length).toBe(score.scored);
    expect(kept.every((r) => r.pairedVersion === 1 && r.pairedProbability !== null)).toBe(true);
    // The CRM only ever received v1's scores.
    const after = await writesOf(emu.url);
    for (const [id, list] of Object.entries(after)) {
      for (const w of list.slice(before[id]?.length ?? 0)) {
        if ('leadlens_model_version' in w) expect(w.leadlens_model_version).toBe('1');
      }
    }
    // Nothing drifted within the hour: no alert, no task.
    expect(await deps.store.listAlerts({ limit: 100 })).toEqual([]);
    expect(await tasks()).toEqual([]);
  });

  it('trips a drift alert on a shift, shown in HubSpot as one task for the admin, and promotes the challenger by rule', async () => {
    const v1 = await deps.store.getModel(1);
    const baseline = (
      JSON.parse(v1!.report) as { baseline?: { fields: Array<{ bins: { name: string } }> } }
    ).baseline;
    expect(baseline?.fields.map((f) => f.bins.name)).toContain(SHIFTED);

    // Today (in the runs' future): the challenger's top 15 % convert, and every other open
    // contact now reads as one industry — a market shift.
    const kept = (await deps.store.listModelScores(2, { limit: 10_000 })).sort(
      (a, b) => b.probability - a.probability,
    );
    const converting = new Set(kept.slice(0, Math.round(kept.length * 0.15)).map((r) => r.id));
    const client = sdk(emu.url);
    const inputs = kept.map((r) => ({
      id: r.id,
      properties: (converting.has(r.id)
        ? { lifecyclestage: 'customer' }
        : { [SHIFTED]: SHIFTED_TO }) as Record<string, string>,
    }));
    for (let i = 0; i < inputs.length; i += 100) {
      await client.crm.contacts.batchApi.update({ inputs: inputs.slice(i, i + 100) });
    }

    // 62 days after today, the challenger's first scores are past their 120-day horizon.
    clock = realNow + 62 * DAY;
    const third = await runToCompletion(deps, { retrain: 'never' });
    expect(third.status).toBe('done');

    const alerts = await deps.store.listAlerts({ limit: 100 });
    const drift = alerts.find((a) => a.kind === 'feature_drift' && a.subject === SHIFTED);
    expect(drift).toMatchObject({ severity: 'alert', modelVersion: 1, resolvedAt: null });
    expect(drift!.value).toBeGreaterThanOrEqual(0.25);
    // Its task was created, or (a CRM hiccup) is pending for the next run: never lost.
    expect(drift!.crmTaskId).not.toBeNull();

    // Both models judged on the same records; the rule promoted the better one.
    const status = await governanceStatus(deps.store);
    expect(status.challenger?.version).toBe(2);
    expect(status.challenger!.outcomes).toBeGreaterThanOrEqual(40);
    expect(status.challenger!.auc!).toBeGreaterThan(status.challenger!.championAucOnSame!);
    expect((await deps.store.getPublishedModel())?.version).toBe(2);
    const decisions = await deps.store.listDecisions({ limit: 100 });
    expect(decisions.map((d) => [d.modelVersion, d.action, d.actor])).toEqual([
      [1, 'published', 'pipeline'],
      [2, 'shadow', 'pipeline'],
      [2, 'promoted', 'rule'],
    ]);
    const promoted = JSON.parse(decisions[2].details) as Record<string, unknown>;
    expect(promoted).toMatchObject({ metric: 'auc', previous: 1 });
    expect(decisions[2].reason).toMatch(/AUC .* for v2 against .* for v1 on the same \d+ records/);
  });

  it('does not repeat a task, resolves the old champion’s alerts, and shows it all on the model cards', async () => {
    clock += 3_600_000;
    const fourth = await runToCompletion(deps, { retrain: 'never' });
    expect(fourth.status).toBe('done');
    // In HubSpot, read back through the API: one task for the drift alert, assigned to the admin.
    const mine = (await tasks()).filter((t) => t.hs_task_subject?.includes(SHIFTED));
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ hubspot_owner_id: OWNER, hs_task_status: 'NOT_STARTED' });
    expect(mine[0].hs_task_body).toContain('PSI');
    const all = await deps.store.listAlerts({ limit: 100 });
    const drift = all.find((a) => a.kind === 'feature_drift' && a.subject === SHIFTED);
    expect(drift!.crmTaskId).toMatch(/^\d+$/);
    expect(mine[0].hs_task_subject).toBe(`LeadLens alert #${drift!.id}: data drift (${SHIFTED})`);
    const open = await deps.store.listAlerts({ open: true, limit: 100 });
    expect(open.filter((a) => a.modelVersion === 1)).toEqual([]);

    const card2 = await modelCard(deps.store, 2);
    expect(card2.status).toBe('published');
    expect(card2.decisions.map((d) => d.action)).toEqual(['shadow', 'promoted']);
    expect(card2.intendedUse).toMatch(/becomes a customer.*within 120 days/);
    expect(card2.features.used.length).toBeGreaterThan(3);
    expect(card2.limitations.length).toBeGreaterThan(0);
    const card1 = await modelCard(deps.store, 1);
    expect(card1.status).toBe('retired');
    expect(card1.monitoring.runs).toBe(3);
    expect(card1.monitoring.topDrift.map((d) => d.subject)).toContain(SHIFTED);
  });

  it('shows the governance page and any version’s card on the report, and the card in the CLI', async () => {
    const { server, base } = await listenLocal(deps, { clientSecret: 'governance-client-secret' });
    try {
      const gov = await fetch(`${base}/report/governance`, { headers: AS_ADMIN });
      expect(gov.status).toBe(200);
      const html = await gov.text();
      expect(html).toContain('Decision log');
      expect(html).toMatch(/promoted<\/td><td>rule/);
      expect(html).toContain('/report/models/1');
      const card = await fetch(`${base}/report/models/1`, { headers: AS_ADMIN });
      expect(card.status).toBe(200);
      const cardHtml = await card.text();
      expect(cardHtml).toContain('Model card · v1');
      expect(cardHtml).toContain('Intended use');
      expect(cardHtml).toContain(SHIFTED);
      // Versions trained with the backtests: their metrics are out of fold, not a held-out slice.
      expect(cardHtml).toContain('Metrics (out of fold');
      expect(cardHtml).not.toContain('newest slice');
      expect((await fetch(`${base}/report/models/99`, { headers: AS_ADMIN })).status).toBe(409);
      expect((await fetch(`${base}/report/governance`)).status).toBe(401);
    } finally {
      await new Promise((r) => server.close(r));
    }

    const text = await cliOutput(
      ['models', 'card', '2', '--base-url', emu.url, '--portal', PORTAL, '--db', dbFile],
      TOKEN,
    );
    expect(text).toMatch(/^Model v2 — logistic, published/);
    expect(text).toMatch(/promoted by rule: Promoted by the admin's rule/);
  });

  it('asks for a retrain when an alert is raised after the newest model, and enters it as a challenger', async () => {
    await deps.store.saveSettings(
      {
        ...(await deps.store.getSettings()),
        governance: { ...(await deps.store.getSettings()).governance, retrainOnAlert: true },
      },
      iso(),
    );
    expect(await alertAsksForRetrain(deps)).toBe(false);
    // Another shift, in a field of v2: every open contact now shows 40 pricing-page views.
    const open = await deps.store.listScores('contact', { limit: 10_000 });
    const client = sdk(emu.url);
    for (let i = 0; i < open.length; i += 100) {
      await client.crm.contacts.batchApi.update({
        inputs: open
          .slice(i, i + 100)
          .map((r) => ({ id: r.id, properties: { pricing_page_views: '40' } })),
      });
    }
    clock = Date.now() + 63 * DAY;
    expect((await runToCompletion(deps, { retrain: 'never' })).status).toBe('done');
    const raised = (await deps.store.listAlerts({ open: true, limit: 100 })).find(
      (a) => a.subject === 'pricing_page_views',
    );
    expect(raised).toMatchObject({ modelVersion: 2, severity: 'alert' });
    expect(await alertAsksForRetrain(deps)).toBe(true);

    clock += 3_600_000;
    const next = await runToCompletion(deps, { retrain: 'auto' });
    expect(next.status).toBe('done');
    expect((await deps.store.listModels()).map((m) => [m.version, m.status])).toEqual([
      [1, 'retired'],
      [2, 'published'],
      [3, 'shadow'],
    ]);
    // The challenger answers the alert: no further retrain is asked for.
    expect(await alertAsksForRetrain(deps)).toBe(false);
  });
});
