/**
 * `leadlens listen --crm salesforce`: real-time rescoring from Salesforce Change Data Capture.
 * Subscribes to `/data/LeadChangeEvent` over the Streaming API and rescores each created or
 * edited Lead within seconds, writing its new score; runs until interrupted (or --for). The
 * nightly `leadlens run` still trains and catches up whatever happened while nobody listened
 * for more than the 72 hours Salesforce keeps events.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { LeadLensError } from '../../errors';
import { listenForLeadChanges, type Rescored } from '../../pipeline/changes';
import { openDeps, printJson, withCrmFlags, type CrmFlags } from '../context';

const Options = z.object({ for: z.coerce.number().positive().optional() });

export function register(program: Command): void {
  withCrmFlags(
    program
      .command('listen')
      .description(
        'Rescore leads as they change (Salesforce Change Data Capture on Lead); runs until Ctrl-C.',
      )
      .option('--for <seconds>', 'stop after this many seconds'),
  ).action(async (flags: CrmFlags & { for?: string }) => {
    const { for: seconds } = Options.parse({ for: flags.for });
    if (flags.crm !== 'salesforce')
      throw new LeadLensError('CONFIG_INVALID', 'listen needs --crm salesforce.', {
        hint: 'HubSpot pushes changes to `leadlens serve` through webhooks instead.',
      });
    const deps = await openDeps(flags);
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const timer = seconds ? setTimeout(onSignal, seconds * 1000) : null;
    let failure: unknown = null;
    try {
      if (!flags.json) process.stderr.write('listening for Lead changes…\n');
      await listenForLeadChanges(deps, {
        signal: stop.signal,
        onRescored: (r: Rescored) => {
          if (flags.json) printJson({ event: 'rescored', ...r });
          else
            process.stdout.write(
              `rescored ${r.ids.length} lead(s), ${r.written} written (replay ${r.replayId})\n`,
            );
        },
        onError: (e) => {
          // An error the listener cannot get past (the session is gone): stop and report it.
          failure = e;
          stop.abort();
        },
      });
    } finally {
      if (timer) clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await deps.close();
    }
    if (failure) throw failure;
  });
}
