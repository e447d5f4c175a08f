/**
 * The stages the report and settings pages tell about: the scores on Salesforce Contacts created
 * on Accounts (`member-scores`) join the deal and account stages, with their skip reason and
 * whether it was a refused permission; on HubSpot (no such Contacts) they say nothing.
 */
import type { JobCheckpoint } from '../../store/port';
import { renderReportPage } from '../../server/report-page';
import { objectStageStatus } from './stage-skip';

function storeWith(results: Record<string, Record<string, unknown>>) {
  const cp: JobCheckpoint = {
    job: 'run',
    runId: 'r1',
    status: 'done',
    state: { stage: 9, results },
    startedAt: '2026-06-01T00:00:00Z',
    updatedAt: '2026-06-02T00:00:00Z',
  };
  return { getJob: async (job: string) => (job === 'run' ? cp : null) };
}

const REFUSED =
  'missing CRM permission for scores on Contacts created on Accounts: cannot access Contact. Lead scores are not affected.';

describe('objectStageStatus: scores on Contacts created on Accounts', () => {
  it('reports a refused Contact permission as a permission skip', async () => {
    const stages = await objectStageStatus(
      storeWith({
        deals: { scored: 3 },
        'member-scores': { scored: 0, skipped: REFUSED, missingScopes: [] },
      }),
    );
    expect(stages.find((s) => s.stage === 'deals')).toMatchObject({
      skipped: null,
      permission: false,
    });
    expect(stages.find((s) => s.stage === 'members')).toEqual({
      stage: 'members',
      at: '2026-06-02T00:00:00Z',
      skipped: REFUSED,
      missingScopes: [],
      permission: true,
    });
  });

  it('reports another skip without calling it a permission', async () => {
    const skipped = 'no Contacts created directly on Accounts were read';
    const stages = await objectStageStatus(storeWith({ 'member-scores': { scored: 0, skipped } }));
    expect(stages).toEqual([
      {
        stage: 'members',
        at: '2026-06-02T00:00:00Z',
        skipped,
        missingScopes: [],
        permission: false,
      },
    ]);
  });

  it('says nothing on a CRM whose committee members are all scored contacts', async () => {
    const stages = await objectStageStatus(
      storeWith({
        accounts: { scored: 2 },
        'member-scores': {
          skipped: 'every hubspot committee member is a scored contact already',
        },
      }),
    );
    expect(stages.map((s) => s.stage)).toEqual(['accounts']);
  });

  it('leaves a skip the deal stage explains (--no-deals) to the deal note', async () => {
    const stages = await objectStageStatus(
      storeWith({
        deals: { skipped: 'deal scores turned off (--no-deals)' },
        'member-scores': {
          skipped: 'scores on Contacts created on Accounts run with deal scores (--no-deals)',
        },
      }),
    );
    expect(stages.map((s) => s.stage)).toEqual(['deals']);
  });

  it('shows the skip on the report page, escaped', async () => {
    const stages = await objectStageStatus(
      storeWith({ 'member-scores': { skipped: `${REFUSED} <b>`, missingScopes: [] } }),
    );
    const page = (objectStages: typeof stages) =>
      renderReportPage({
        models: [],
        stats: [],
        feedback: [],
        drift: null,
        published: null,
        report: null,
        objectStages,
      } as never);
    const html = page(stages);
    expect(html).toContain(
      `<div class="alert" role="alert" id="members-skipped"><b>Scores on Contacts created on Accounts were skipped in the run of 2026-06-02T00:00:00Z.</b> ${REFUSED} &lt;b&gt;</div>`,
    );
    expect(page([])).not.toContain('members-skipped');
  });
});
