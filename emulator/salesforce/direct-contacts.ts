/**
 * Contacts created directly on an Account (not converted from a Lead), for the demo org with
 * `committees`: real orgs have them — people a rep adds to the account by hand, an import, an
 * integration. About a third of the committee Accounts get one or two, dated after the Account
 * exists, with a title from the Leads' title pool, the country of the company's first Lead as
 * their mailing country, and a few logged calls and e-mails (Task, WhoId = the Contact).
 *
 * They carry no signal in the generator: the account truth (`companyLogit` of the Lead committee,
 * committees.ts) does not read them, so they test that LeadLens reads and counts them, not that
 * they help. Drawn from their own random stream, after everything else: the Leads, Accounts,
 * Opportunities and truths are the same with or without them.
 */
import { Rng } from '../demo/rng';
import { type SfCompany } from './committees';
import { FIRST, LAST, TITLES } from './demo';
import { type Org } from './org';

const DAY = 86_400_000;
/** Share of committee Accounts with directly created Contacts. */
const SHARE = 0.35;

type Op = { at: number; run: () => void };

export function planDirectContacts(
  org: Org,
  seed: string,
  leads: number,
  companies: readonly SfCompany[],
  now: number,
): Op[] {
  const rng = new Rng(`salesforce|${seed}|${leads}|direct-contacts`);
  const ops: Op[] = [];
  for (const company of companies) {
    if (company.members.length === 0) continue;
    // Draw for every company, so one company's choice never shifts another's draws.
    const has = rng.chance(SHARE);
    const n = rng.int(1, 2);
    const firstLead = Math.min(...company.members.map((m) => m.createdAt));
    const firstLeadId = company.members.find((m) => m.createdAt === firstLead)!.leadId;
    for (let i = 0; i < n; i++) {
      const at = Math.round(firstLead + rng.uniform(1, 240) * DAY);
      const [title] = rng.pick(TITLES);
      const first = rng.pick(FIRST);
      const last = rng.pick(LAST);
      const tasks = Array.from({ length: rng.int(0, 3) }, () => ({
        at: Math.round(at + rng.uniform(0, 60) * DAY),
        subtype: rng.chance(0.5) ? 'Call' : 'Email',
      }));
      if (!has || at > now) continue;
      let contactId = '';
      ops.push({
        at,
        run: () => {
          contactId = String(
            org.insert(
              'Contact',
              {
                FirstName: first,
                LastName: last,
                Email: `${first}.${last}@${company.domain}`.toLowerCase(),
                Title: title,
                // Where the company's first Lead is (no draw: the other Contacts' draws stay).
                MailingCountry: org.get('Lead', firstLeadId)?.Country ?? null,
                AccountId: company.accountId,
                OwnerId: org.userId,
              },
              at,
            ).Id,
          );
        },
      });
      for (const t of tasks)
        if (t.at <= now)
          ops.push({
            at: t.at,
            run: () =>
              org.insert(
                'Task',
                {
                  WhoId: contactId,
                  Subject: t.subtype === 'Call' ? 'Call' : 'Email',
                  TaskSubtype: t.subtype,
                  Status: 'Completed',
                  ActivityDate: new Date(t.at).toISOString().slice(0, 10),
                  OwnerId: org.userId,
                },
                t.at,
              ),
          });
    }
  }
  return ops;
}
