/**
 * Governance over simulated weeks, with one clock the test controls: `Date.now` (offset by
 * the test, flowing at real speed) drives the pipeline, the emulator's write timestamps and the
 * schedule alike (timers stay real, so HTTP works). The world is a demo portal generated to the
 * end of the simulation with an injected market shift where the first model's labels end
 * (what converts changes, and a wave of leads arrives through social channels); each simulated week
 * the emulator is shown what had happened by then (emulator/demo/reveal.ts) and the portal's
 * weekly schedule (the worker's own `isDue`) runs the pipeline the way the worker does (`run`,
 * retrain when due). Checked: a drift alert and a decay alert, each a task in HubSpot read back
 * with the real SDK; the retrain at the admin's cadence entering as a challenger scored in
 * shadow; reps' feedback changing that model's labels; the rule promoting the challenger; each
 * score spike of an owned contact making exactly one task for its owner, none on a re-run.
 */
import { DEFAULT_GOVERNANCE, DEFAULT_SETTINGS } from '../../src/contracts/settings';
import { recordFeedback, runToCompletion, silentLogger } from '../../src/pipeline';
import { readReport } from '../../src/pipeline/report';
import { composeDeps, type AppDeps } from '../../src/server/compose';
import { isDue } from '../../src/worker/schedule';
import { startHubSpotEmulator } from '../../emulator/hubspot';
import { generatePortal } from '../../emulator/demo';
import { Reveal } from '../../emulator/demo/reveal';
import { PORTAL, sdk, tempDb, TOKEN, type Emulator } from './helpers';

jest.setTimeout(300_000);

const DAY = 86_400_000;
const HOUR = 3_600_000;
const WEEK = 7 * DAY;
/** The first run (v1 is trained then): a Monday. */
const START = Date.parse('2026-03-02T00:00:00.000Z');
/** The world is generated to here (the generator's 540-day span ends at END). */
const WEEKS = 11;
const END = START + (WEEKS + 1) * WEEK;
/** Outcomes count within this many days (the admin's conversion horizon). */
const HORIZON_DAYS = 28;
/**
 * The market shift: from here on, contacts convert by other rules and a wave of new leads
 * arrives. It lies where v1's labels end (a contact's label needs the horizon to have passed),
 * so v1 learns the old market only — as a model does whose outcomes lag the market — while the
 * contacts it scores convert by the new rules. On the generator's calendar (0 oldest … 1 END).
 */
const SHIFT = START - HORIZON_DAYS * DAY;
const SPAN = 540 * DAY;
const MARKET_SHIFT = { at: (SHIFT - (END - SPAN)) / SPAN, strength: 2, surge: 16 };
/** The admin's retrain cadence (days): v2 is trained at the first weekly run after it. */
const RETRAIN_DAYS = 38;
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
  const world = generatePortal({
    seed: 'weeks',
    contacts: 1500,
    now: new Date(END).toISOString(),
    marketShift: MARKET_SHIFT,
  });
  let reveal: Reveal;

  beforeAll(async () => {
    // Date.now runs at real speed from wherever the test sets it (rate limiters wait on it;
    // the emulator stamps writes with it); sockets and timers stay real.
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
    setClock(START + HOUR);
    emu = await startHubSpotEmulator({
      port: 0,
      token: TOKEN,
      seed: 'weeks',
      contacts: 0,
      now: new Date(START).toISOString(),
      rateLimit: { tenSecondly: null, secondly: null, daily: null },
    });
    reveal = new Reveal(world, emu.portal.state);
    reveal.until(Date.now());
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

  /** The next minute the portal's schedule fires; the worker would send `run` then. */
  async function nextScheduledRun() {
    // From the next full hour, hour by hour: the weekly cron fires on the hour.
    let t = Math.floor(Date.now() / HOUR) * HOUR + HOUR;
    const schedule = (await deps.store.getSettings()).schedule;
    while (!isDue(schedule, t)) t += HOUR;
    setClock(t);
    // What the world did by now: new contacts, visits, forms, conversions.
    reveal.until(t);
    const res = await runToCompletion(deps, { retrain: 'auto' });
    expect(res.status).toBe('done');
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

  const repTasks = async () => (await tasks()).filter((t) => t.hubspot_owner_id === REP);

  it('runs weekly on the schedule, trips drift and decay alerts after the shift, retrains on cadence with feedback, promotes by rule, and turns each spike into one task', async () => {
    await deps.store.saveSettings(
      {
        ...DEFAULT_SETTINGS,
        model: 'logistic',
        shadowMode: true,
        schedule: WEEKLY,
        conversion: { ...DEFAULT_SETTINGS.conversion, horizonDays: HORIZON_DAYS },
        retrainCadenceDays: RETRAIN_DAYS,
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
    // The contacts there at the start are the rep's (set through the API, as an admin would);
    // the ones the weeks bring have no owner, so their spikes make no task.
    const client = sdk(emu.url);
    const owned = new Set(emu.portal.state.stores.contacts.ids.map(String));
    const ids = [...owned];
    for (let i = 0; i < ids.length; i += 100) {
      await client.crm.contacts.batchApi.update({
        inputs: ids.slice(i, i + 100).map((id) => ({ id, properties: { hubspot_owner_id: REP } })),
      });
    }

    // Week 0: the first run trains and publishes v1, on labels of the market before the shift.
    await nextScheduledRun();
    const v1 = (await deps.store.getPublishedModel())!;
    expect(v1.version).toBe(1);

    // Each spike of an owned contact is one task for the rep, in HubSpot; none for the others.
    const checkSpikes = async () => {
      const spikes = await deps.store.listSpikes({ limit: 100_000 });
      const mine = spikes.filter((s) => owned.has(s.recordId));
      const subjects = (await repTasks()).map((t) => t.hs_task_subject);
      expect(subjects).toHaveLength(mine.length);
      for (const s of mine) {
        expect(subjects.filter((x) => x?.startsWith(`LeadLens spike #${s.id}: `))).toHaveLength(1);
      }
      for (const s of spikes.filter((x) => !owned.has(x.recordId))) {
        expect(s.crmTaskId).toMatch(/^no-owner:/);
      }
      return { spikes, mine };
    };

    // Weeks 1–4: the world moves on; reps give feedback at the end.
    let firstSpikes: Awaited<ReturnType<typeof checkSpikes>> | null = null;
    for (let w = 1; w <= 4; w++) {
      await nextScheduledRun();
      const seen = await checkSpikes();
      if (!firstSpikes && seen.mine.length > 0) {
        firstSpikes = seen;
        // The jump property is on the record for workflows.
        const s = seen.mine[seen.mine.length - 1]!;
        const read = await client.crm.contacts.basicApi.getById(s.recordId, [
          'leadlens_score',
          'leadlens_score_jump',
        ]);
        expect(Number(read.properties.leadlens_score)).toBe(s.toScore);
        if (s.reason.includes('jump')) expect(read.properties.leadlens_score_jump).toBe('true');
        // The same scores written again (a rerun the same hour): not one task more.
        setClock(Date.now() + 60_000);
        expect((await runToCompletion(deps, { retrain: 'never' })).status).toBe('done');
        const again = await checkSpikes();
        expect(again.mine.length).toBe(seen.mine.length);
      }
    }
    expect(firstSpikes).not.toBeNull();

    const now = Date.now();
    const truths = new Map(world.truths());
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
    const reviewed = open.find((s) => !willConvert.includes(s.id) && !wontConvert.includes(s.id))!;
    await recordFeedback(deps, {
      objectType: 'contact',
      objectId: reviewed.id,
      kind: 'too_high',
      comment: 'not sure why',
      userId: 'rep-3',
    });

    // Until the cadence is due: v2 is trained with the feedback, as a challenger.
    let w = 4;
    while ((await deps.store.listModels()).length < 2 && w < WEEKS) {
      await nextScheduledRun();
      w += 1;
    }
    const models = await deps.store.listModels();
    // At the first weekly run the cadence allowed.
    const trainedAfter = Date.parse(models[1]!.trainedAt) - Date.parse(v1.trainedAt);
    expect(trainedAfter).toBeGreaterThanOrEqual(RETRAIN_DAYS * DAY);
    expect(trainedAfter).toBeLessThan((RETRAIN_DAYS + 7) * DAY);
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

    // The weeks after: outcomes of the shifted market arrive; monitoring judges both models.
    for (; w < WEEKS; w++) await nextScheduledRun();
    const alerts = await deps.store.listAlerts({ limit: 1000 });
    const decay = alerts.find((a) => a.kind === 'decay' && a.modelVersion === 1);
    const drift = alerts.find(
      (a) => (a.kind === 'feature_drift' || a.kind === 'score_drift') && a.severity === 'alert',
    );
    expect(decay).toBeDefined();
    expect(drift).toBeDefined();
    // Neither at v1's first run: both are the weeks after telling.
    expect(Date.parse(decay!.createdAt)).toBeGreaterThan(Date.parse(v1.trainedAt) + WEEK);
    expect(Date.parse(drift!.createdAt)).toBeGreaterThan(Date.parse(v1.trainedAt) + WEEK);
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
    // Spikes to the end: still one task each.
    await checkSpikes();
  });
});
