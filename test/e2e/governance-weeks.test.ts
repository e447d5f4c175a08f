/**
 * Governance over simulated weeks, with one clock the test controls: `Date.now` (offset by
 * the test, flowing at real speed) drives the pipeline, the emulator's write timestamps and the
 * schedule alike (timers stay real, so HTTP works). The demo portal carries the generator's injected market shift; each simulated
 * week the conversions the generator's hidden truth holds for that week arrive through the
 * API, and the portal's weekly schedule (the worker's own `isDue`) runs the pipeline the way
 * the worker does (`run`, retrain when due). Checked: a drift alert and a decay alert, each a
 * task in HubSpot read back with the real SDK; the retrain at the admin's cadence entering as
 * a challenger scored in shadow; reps' feedback changing that model's labels; the rule
 * promoting the challenger; a score spike making exactly one task for the contact's owner.
 */
import { DEFAULT_GOVERNANCE, DEFAULT_SETTINGS } from '../../src/contracts/settings';
import { recordFeedback, runToCompletion, silentLogger } from '../../src/pipeline';
import { readReport } from '../../src/pipeline/report';
import { composeDeps, type AppDeps } from '../../src/server/compose';
import { isDue } from '../../src/worker/schedule';
import { startHubSpotEmulator } from '../../emulator/hubspot';
import { PORTAL, sdk, tempDb, TOKEN, type Emulator } from './helpers';

jest.setTimeout(900_000);

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** The generator's clock: the portal's history ends here; the simulation starts after it. */
const START = Date.parse('2026-03-02T00:00:00.000Z'); // a Monday
const ADMIN = '4242';
const REP = '5151';
const WEEKLY = { enabled: true, cron: '0 6 * * 1', timezone: 'UTC' };

const realNow = Date.now.bind(Date);
let offset = 0;
/** The test's clock: every Date.now() (pipeline, emulator, SDK) reads it from here on. */
const setClock = (t: number) => {
  offset = t - realNow();
};

describe('governance over simulated weeks (the test owns the clock)', () => {
  let emu: Emulator;
  let deps: AppDeps;
  const arrived = new Set<string>();

  beforeAll(async () => {
    // Date.now runs at real speed from wherever the test sets it (rate limiters wait on it;
    // the emulator stamps writes with it); sockets and timers stay real.
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
    setClock(START + HOUR);
    emu = await startHubSpotEmulator({
      port: 0,
      token: TOKEN,
      seed: 'weeks',
      contacts: 1500,
      now: new Date(START).toISOString(),
      // The last fifth of the portal's history converts by other rules (generator option).
      marketShift: { at: 0.8, strength: 3 },
      rateLimit: { tenSecondly: null, secondly: null, daily: null },
    });
    deps = await composeDeps({
      baseUrl: emu.url,
      token: TOKEN,
      portalId: PORTAL,
      databaseUrl: null,
      dbFile: tempDb('governance-weeks'),
      log: silentLogger,
      now: () => Date.now(),
    });
  });
  afterAll(async () => {
    await deps?.close();
    await emu?.close();
    jest.restoreAllMocks();
  });

  /** Conversions the generator's truth holds up to now, written as they happen. */
  async function arrive(): Promise<number> {
    const now = Date.now();
    const due = emu.portal
      .truths()
      .filter(
        ([id, t]) =>
          t.converted &&
          t.convertedAt !== null &&
          Date.parse(t.convertedAt) > START &&
          Date.parse(t.convertedAt) <= now &&
          !arrived.has(id),
      )
      .map(([id]) => id);
    const client = sdk(emu.url);
    for (let i = 0; i < due.length; i += 100) {
      await client.crm.contacts.batchApi.update({
        inputs: due
          .slice(i, i + 100)
          .map((id) => ({ id, properties: { lifecyclestage: 'customer' } })),
      });
    }
    due.forEach((id) => arrived.add(id));
    return due.length;
  }

  /** The next minute the portal's schedule fires; the worker would send `run` then. */
  async function nextScheduledRun() {
    // From the next full hour, hour by hour: the weekly cron fires on the hour.
    let t = Math.floor(Date.now() / HOUR) * HOUR + HOUR;
    const schedule = (await deps.store.getSettings()).schedule;
    while (!isDue(schedule, t)) t += HOUR;
    setClock(t);
    await arrive();
    const res = await runToCompletion(deps, { retrain: 'auto' });
    expect(res.status).toBe('done');
    return res;
  }

  async function tasks() {
    const client = sdk(emu.url);
    const out: Array<Record<string, string | null>> = [];
    let after: string | undefined;
    for (;;) {
      const page = await client.crm.objects.tasks.basicApi.getPage(100, after, [
        'hs_task_subject',
        'hs_task_body',
        'hubspot_owner_id',
      ]);
      out.push(...page.results.map((r) => r.properties));
      after = page.paging?.next?.after;
      if (!after) return out;
    }
  }

  it('runs weekly on the schedule, trips drift and decay alerts after the shift, retrains on cadence with feedback, promotes by rule, and turns a spike into one task', async () => {
    await deps.store.saveSettings(
      {
        ...DEFAULT_SETTINGS,
        model: 'logistic',
        shadowMode: true,
        schedule: WEEKLY,
        conversion: { ...DEFAULT_SETTINGS.conversion, horizonDays: 28 },
        retrainCadenceDays: 35,
        scoreJumpPoints: 10,
        governance: {
          ...DEFAULT_GOVERNANCE,
          promotion: 'rule',
          promoteMinGain: 0,
          promoteMinOutcomes: 8,
          minOutcomes: 8,
          alertOwnerId: ADMIN,
          spikeTasks: true,
        },
      },
      new Date(Date.now()).toISOString(),
    );
    // Week 0: the first run trains and publishes v1.
    await nextScheduledRun();
    expect((await deps.store.getPublishedModel())?.version).toBe(1);

    // Week 1: a rep owns a low-scored contact whose engagement surges — one task for the rep.
    const low = (await deps.store.listScores('contact', { limit: 10_000 })).sort(
      (a, b) => a.score - b.score,
    )[0];
    const client = sdk(emu.url);
    await client.crm.contacts.basicApi.update(low.id, {
      properties: {
        hubspot_owner_id: REP,
        pricing_page_views: '12',
        demo_requested: 'true',
        hs_email_click: '9',
        hs_analytics_num_page_views: '60',
        hs_analytics_num_visits: '25',
      },
    });
    await nextScheduledRun();
    const after = await deps.store.getScore('contact', low.id);
    expect(after!.score - low.score).toBeGreaterThanOrEqual(10);
    const repTasks = async () => (await tasks()).filter((t) => t.hubspot_owner_id === REP);
    expect(await repTasks()).toHaveLength(1);
    const spike = (await deps.store.listSpikes({ limit: 1000 })).find((s) => s.recordId === low.id);
    expect(spike).toMatchObject({ fromScore: low.score, toScore: after!.score });
    expect((await repTasks())[0].hs_task_subject).toBe(
      `LeadLens spike #${spike!.id}: score ${low.score} → ${after!.score}${spike!.reason.startsWith('top_tier') ? ' (top tier)' : ''}`,
    );
    // The jump property stays on the contact for workflows.
    const read = await client.crm.contacts.basicApi.getById(low.id, ['leadlens_score_jump']);
    expect(read.properties.leadlens_score_jump).toBe('true');
    // The same scores written again (a rerun the same hour): still one task.
    setClock(Date.now() + 60_000);
    expect((await runToCompletion(deps, { retrain: 'never' })).status).toBe('done');
    expect(await repTasks()).toHaveLength(1);

    // Weeks 2–4: reps give feedback. A stated outcome corrects a label (the latest word per
    // record counts); "too high" alone is a review item.
    for (let w = 2; w <= 4; w++) await nextScheduledRun();
    const now = Date.now();
    const truths = new Map(emu.portal.truths());
    const open = await deps.store.listScores('contact', { limit: 10_000 });
    const eligible = [];
    for (const s of open) {
      const r = await deps.store.getRecord('contact', s.id);
      if (r && Date.parse(r.createdAt) + 30 * DAY < now - 28 * DAY) eligible.push(s.id);
    }
    const willConvert = eligible.filter((id) => truths.get(id)?.converted).slice(0, 6);
    const wontConvert = eligible.filter((id) => !truths.get(id)?.converted).slice(0, 6);
    expect(willConvert.length + wontConvert.length).toBeGreaterThan(4);
    for (const id of wontConvert) {
      // First a mistaken flag, then the rep's correction: only the latest counts.
      await recordFeedback(deps, {
        objectType: 'contact',
        objectId: id,
        kind: 'too_low',
        outcome: 'converted',
        comment: '',
        userId: 'rep-1',
      });
    }
    setClock(Date.now() + 60_000);
    for (const id of wontConvert) {
      await recordFeedback(deps, {
        objectType: 'contact',
        objectId: id,
        kind: 'too_high',
        outcome: 'not_converting',
        comment: 'no budget, ever',
        userId: 'rep-2',
      });
    }
    for (const id of willConvert) {
      await recordFeedback(deps, {
        objectType: 'contact',
        objectId: id,
        kind: 'wrong_outcome',
        outcome: 'converted',
        comment: 'signed',
        userId: 'rep-1',
      });
    }
    await recordFeedback(deps, {
      objectType: 'contact',
      objectId: open[0].id,
      kind: 'too_high',
      comment: 'not sure why',
      userId: 'rep-3',
    });

    // Week 5: the cadence (35 days) is due — v2 is trained with the feedback, as a challenger.
    await nextScheduledRun();
    const models = await deps.store.listModels();
    expect(models.map((m) => [m.version, m.status])).toEqual([
      [1, 'published'],
      [2, 'shadow'],
    ]);
    const fb = readReport((await deps.store.getModel(2))!)!.feedback!;
    expect(fb.records).toBe(willConvert.length + wontConvert.length + 1);
    expect(fb.reviewItems).toBe(1);
    expect(fb.relabelled).toBeGreaterThan(0);
    expect(fb.relabelled + fb.agreed + fb.notInTraining).toBe(
      willConvert.length + wontConvert.length,
    );
    // Every correction is the latest word: the "not converting" ones never flip to converted.
    for (const c of fb.corrections) {
      expect(c.to).toBe(wontConvert.includes(c.recordId) ? 0 : 1);
    }
    // The labels v2 was judged on carry the corrections; with and without are both reported.
    const report2 = readReport((await deps.store.getModel(2))!)!;
    for (const c of fb.corrections) {
      const i = report2.heldOut.ids.indexOf(c.recordId);
      if (i >= 0) expect(report2.heldOut.labels[i]).toBe(c.to);
    }
    expect(fb.aucWith).not.toBeNull();
    expect(fb.aucWithout).not.toBeNull();
    const score = (await deps.store.getJob('score'))!.state as {
      governance?: { challengerVersion: number | null; challengerScored: number; scored: number };
    };
    expect(score.governance?.challengerVersion).toBe(2);
    expect(score.governance?.challengerScored).toBe(score.governance?.scored);

    // Weeks 6–10: outcomes of the shifted market arrive; monitoring judges both models.
    for (let w = 6; w <= 10; w++) await nextScheduledRun();
    const alerts = await deps.store.listAlerts({ limit: 1000 });
    const decay = alerts.find((a) => a.kind === 'decay' && a.modelVersion === 1);
    const drift = alerts.find(
      (a) => (a.kind === 'feature_drift' || a.kind === 'score_drift') && a.severity === 'alert',
    );
    expect(decay).toBeDefined();
    expect(drift).toBeDefined();
    // The challenger beat the champion on the same records: promoted by the rule, logged.
    expect((await deps.store.getPublishedModel())?.version).toBe(2);
    const decisions = await deps.store.listDecisions({ limit: 100 });
    expect(decisions.map((d) => [d.modelVersion, d.action, d.actor])).toContainEqual([
      2,
      'promoted',
      'rule',
    ]);

    // Every alert is in HubSpot as a task for the admin, read back through the API.
    const adminTasks = (await tasks()).filter((t) => t.hubspot_owner_id === ADMIN);
    for (const a of alerts.filter((x) => x.severity === 'alert')) {
      expect(a.crmTaskId).toMatch(/^\d+$/);
      expect(adminTasks.map((t) => t.hs_task_subject)).toContainEqual(
        expect.stringContaining(`LeadLens alert #${a.id}:`),
      );
    }
    // The market shift is what the decay alert reports: realised below expected on the outcomes.
    expect(decay!.message).toMatch(/decayed: AUC .* on \d+ outcomes/);
  });
});
