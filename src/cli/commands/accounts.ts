/**
 * `leadlens accounts`: account (buying-committee) scores on their own — the account stages
 * `leadlens run` ends with: read deals and companies into the mirror, train the account model
 * when due (company model versions of their own), score every company with a committee, write
 * back `leadlens_account_*` that changed. `leadlens accounts models` lists the versions.
 */
import type { Command } from 'commander';
import { accountLine, runAccountStages } from '../../pipeline';
import { objectCommand } from '../run-options';

/** The fields of a stored account model report the listing shows (account-job.ts writes it). */
interface AccountReportFields {
  verdict?: { code?: string };
  backtest?: { meanAuc?: number | null };
  trainingRows?: number;
  positives?: number;
  contactModelVersion?: number | null;
}

export function register(program: Command): void {
  objectCommand(program, {
    name: 'accounts',
    description:
      'Score companies by their buying committee: read deals and companies, train the account model on company outcomes when due, score every company with contacts, write back leadlens_account_* that changed. Committee contact scores come from the published contact model (`leadlens run` trains it). An install without the company scopes is skipped with the reason.',
    model: 'account model',
    run: runAccountStages,
    text: (out) =>
      `status          ${out.status}${out.resumeAt ? ` (resumes at ${out.resumeAt})` : ''}\nread            ${out.deals} deals, ${out.companies} companies (${out.calls} API calls)\n${accountLine(out)}`,
    modelsDescription:
      'List the stored account model versions with their backtest. Which portal and store: the options of `leadlens accounts` (--crm, --portal, --db, …), given before or after `models`.',
    objectModel: 'company',
    reportFields: (report) => {
      const r = JSON.parse(report) as AccountReportFields;
      return {
        trainingRows: r.trainingRows ?? null,
        positives: r.positives ?? null,
        auc: r.backtest?.meanAuc ?? null,
        verdict: r.verdict?.code ?? null,
        contactModelVersion: r.contactModelVersion ?? null,
      };
    },
  });
}
