/**
 * Governance commands: `models promote|card|decisions` (added to the `models` command) and
 * `alerts`. Publishing and rolling back stay `models publish`; every change is logged.
 */
import type { Command } from 'commander';
import { LeadLensError } from '../../contracts/errors';
import {
  changePublished,
  governanceStatus,
  modelCard,
  readReport,
  withRunLease,
  type ModelCard,
} from '../../pipeline';
import { leaseTtlFromEnv, openDeps, printJson, withCrmFlags, type CrmFlags } from '../context';
import { parseVersion } from './pipeline';

/**
 * How a version's metrics were measured: versions trained with the rolling-origin backtests
 * report the pooled out-of-fold scores; older ones a time-held-out newest slice.
 */
export type MetricsBasis = 'out_of_fold' | 'held_out';

export function cardText(c: ModelCard, basis: MetricsBasis): string {
  const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)} %`);
  const n3 = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x.toFixed(3));
  const lines = [
    `Model v${c.version} — ${c.modelType}, ${c.status}`,
    `Trained ${c.trainedAt}${c.publishedAt ? `, published ${c.publishedAt}` : ''}`,
    '',
    `Intended use: ${c.intendedUse}`,
    `Label: ${c.label.description}${c.label.horizonDays ? ` within ${c.label.horizonDays} days` : ''}`,
    `Data window: ${c.dataWindow.from?.slice(0, 10) ?? '—'} … ${c.dataWindow.to?.slice(0, 10) ?? '—'}, ${
      c.dataWindow.trainingRows ?? '—'
    } labelled contacts, ${pct(c.dataWindow.conversionRate)} converted, ${c.dataWindow.censored ?? '—'} censored`,
    '',
    `Metrics (${basis === 'out_of_fold' ? 'out of fold: each backtest block scored by its fold’s model' : 'held-out, newest slice'}): AUC ${n3(c.metrics.auc)}, PR AUC ${n3(c.metrics.prAuc)}, Brier ${n3(
      c.metrics.brier,
    )}, ECE ${n3(c.metrics.ece)}, top-decile lift ${n3(c.metrics.liftTopDecile)}`,
    '',
    `Features used (${c.features.used.length}): ${c.features.used.map((f) => f.label || f.name).join(', ')}`,
    ...(c.features.leftOut.length
      ? ['Left out:', ...c.features.leftOut.map((f) => `  - ${f.field}: ${f.reason}`)]
      : ['Left out: none']),
    '',
    'Limitations:',
    ...c.limitations.map((l) => `  - ${l}`),
    '',
    'Decisions:',
    ...(c.decisions.length
      ? c.decisions.map((d) => `  ${d.at}  ${d.action} by ${d.actor}: ${d.reason}`)
      : ['  (none logged)']),
    '',
    `Reps' feedback: ${c.feedback ? c.feedback.summary : 'not recorded (trained before the feedback loop)'}`,
    ...(c.feedback?.warning ? [`  ${c.feedback.warning}`] : []),
    '',
    `Monitoring: ${c.monitoring.runs} run(s)${c.monitoring.lastAt ? `, last ${c.monitoring.lastAt}` : ''}`,
    ...(c.monitoring.realised
      ? [
          `  realised on ${c.monitoring.realised.positives + c.monitoring.realised.negatives} arrived outcomes: AUC ${n3(
            c.monitoring.realised.auc,
          )}, precision in top tier ${pct(c.monitoring.realised.precisionTopTier)}, ECE ${n3(c.monitoring.realised.ece)}`,
        ]
      : []),
    ...c.monitoring.openAlerts.map((a) => `  [${a.severity}] ${a.message}`),
  ];
  return `${lines.join('\n')}\n`;
}

type GovernanceView = Awaited<ReturnType<typeof governanceStatus>>;

/** `leadlens governance`: open alerts, live and challenger metrics, and the same per segment. */
export function governanceText(g: GovernanceView): string {
  const n3 = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x.toFixed(3));
  const signed = (x: number | null | undefined) =>
    x === null || x === undefined ? '—' : `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)}`;
  const lines = [
    `Last monitored: ${g.lastMonitoredAt ?? 'never'}`,
    `Open alerts (${g.alerts.length}):`,
    ...(g.alerts.length
      ? g.alerts.map((a) => `  [${a.severity}] ${a.subject}: ${a.message}`)
      : ['  none']),
  ];
  if (g.realised) {
    lines.push(
      `Live model v${g.realised.modelVersion}: realised AUC ${n3(g.realised.auc)} on ${g.realised.outcomes} outcomes (expected ${n3(g.realised.expectedAuc)})`,
    );
  }
  if (g.challenger) {
    const c = g.challenger;
    lines.push(
      `Challenger v${c.version}: AUC ${n3(c.auc)} vs ${n3(c.championAucOnSame)} for the champion on the same ${c.outcomes} outcomes; ${c.scored} scored in shadow, ${c.tierFlips} would change tier, scores move ${signed(c.meanScoreChange)} on average`,
    );
    if (c.recommendation) {
      lines.push(
        `  ${c.recommendation.promote ? 'Recommended' : 'Not recommended'}: ${c.recommendation.reason}`,
      );
    }
  }
  if (g.segments.length) {
    lines.push('Per segment (each record in the segment its score recorded):');
    for (const s of g.segments) {
      const top = s.drift.top[0];
      const drift = !top
        ? 'drift: reference run'
        : `drift: ${top.subject} PSI ${n3(top.psi)} (chance ${n3(top.noise)}${
            s.drift.judged ? '' : `, not judged: ${s.scored} / ${s.drift.referenceRows ?? 0} rows`
          })`;
      const c = s.challenger;
      const ch = !c
        ? ''
        : `; challenger AUC ${n3(c.auc)} vs ${n3(c.championAucOnSame)} on ${c.outcomes}${
            c.difference === null
              ? ` (not judged: ${c.notJudged})`
              : ` (${signed(c.difference * 100)} pts ± ${n3(c.se === null ? null : 2 * c.se * 100)})${
                  c.worse ? ' WORSE beyond its noise' : ''
                }`
          }, scores move ${signed(c.meanScoreChange)}, ${c.tierFlips} tier flips`;
      const d = s.decay;
      const decay = !d
        ? ''
        : `; ${d.metric === 'auc' ? 'AUC' : 'precision in the top tier'} ${n3(d.realised)} against ${n3(d.expected)} in its backtest${
            d.judged
              ? ` (${signed(d.drop === null ? null : -d.drop * 100)} %, noise ${n3(
                  d.allowance === null ? null : d.allowance * 100,
                )} %)${d.decayed ? ' DECAYED beyond its noise' : ''}`
              : ` (decay not judged: ${d.notJudged})`
          }`;
      lines.push(
        `  ${s.key} (${s.label}, ${s.ownModel > 0 ? 'own model' : 'global model'}): ${s.scored} scored; ${drift}; realised AUC ${n3(
          s.realised.auc,
        )} on ${s.realised.outcomes}${decay}${ch}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

export function register(program: Command): void {
  withCrmFlags(
    program
      .command('governance')
      .description(
        'Governance at a glance: open alerts, the live model and its challenger, and the same per segment (drift, realised AUC, the challenger on the segment’s records).',
      ),
  ).action(async (flags: CrmFlags & { json?: boolean }) => {
    const deps = await openDeps(flags, { readOnly: 'governance' });
    try {
      const view = await governanceStatus(deps.store);
      if (flags.json) printJson(view);
      else process.stdout.write(governanceText(view));
    } finally {
      await deps.close();
    }
  });

  const models = program.commands.find((c) => c.name() === 'models');
  if (!models) throw new Error('governance commands need the `models` command registered first');

  withCrmFlags(
    models
      .command('promote <version>')
      .description(
        'Promote the challenger (a version in shadow) to published; logged with your reason.',
      )
      .option('--reason <text>', 'why (kept in the decision log and the model card)'),
  ).action(async (version: string, flags: CrmFlags & { reason?: string }) => {
    const deps = await openDeps(flags);
    try {
      await withRunLease(
        deps,
        {
          purpose: 'models promote',
          role: 'leadlens models promote (cli)',
          ttlMs: leaseTtlFromEnv(),
        },
        async (d) => {
          const v = parseVersion(version);
          const m = await d.store.getModel(v);
          if (m && m.status !== 'shadow') {
            throw new LeadLensError(
              'INPUT_INVALID',
              `Model v${v} is ${m.status}, not a challenger in shadow.`,
              {
                hint: 'Use `leadlens models publish` to publish or roll back to any version.',
              },
            );
          }
          const action = await changePublished(d.store, v, {
            actor: 'cli',
            reason: flags.reason ?? 'Promoted with `leadlens models promote`.',
            at: new Date(d.now()).toISOString(),
          });
          printJson({ published: v, action });
        },
      );
    } finally {
      await deps.close();
    }
  });

  withCrmFlags(
    models
      .command('card <version>')
      .description(
        "A version's model card: intended use, label, data window, features used and left out, metrics, limitations, decisions, monitoring.",
      ),
  ).action(async (version: string, flags: CrmFlags & { json?: boolean }) => {
    const deps = await openDeps(flags, { readOnly: 'models card' });
    try {
      const v = parseVersion(version);
      const card = await modelCard(deps.store, v);
      if (flags.json) printJson(card);
      else {
        const stored = await deps.store.getModel(v);
        const backtested = stored ? readReport(stored)?.backtest !== undefined : false;
        process.stdout.write(cardText(card, backtested ? 'out_of_fold' : 'held_out'));
      }
    } finally {
      await deps.close();
    }
  });

  withCrmFlags(
    models
      .command('decisions')
      .description('The decision log: every publish, promotion and roll-back.'),
  ).action(async (flags: CrmFlags) => {
    const deps = await openDeps(flags, { readOnly: 'models decisions' });
    try {
      printJson(
        (await deps.store.listDecisions({ limit: 10_000 })).map((d) => ({
          ...d,
          details: JSON.parse(d.details) as unknown,
        })),
      );
    } finally {
      await deps.close();
    }
  });

  withCrmFlags(
    program
      .command('alerts')
      .description('Monitoring alerts (drift, decay): open ones, or all with --all.')
      .option('--all', 'include resolved alerts'),
  ).action(async (flags: CrmFlags & { all?: boolean }) => {
    const deps = await openDeps(flags, { readOnly: 'alerts' });
    try {
      printJson(await deps.store.listAlerts({ open: !flags.all, limit: 1000 }));
    } finally {
      await deps.close();
    }
  });
}
