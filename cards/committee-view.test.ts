import { TITLES } from '../emulator/demo/catalog';
import { seniority } from '../src/features';
import { seniorityOfTitle, toCommitteeView } from './committee-view';

const LABEL: Record<string, string> = {
  student_intern: 'Student / intern',
  vp: 'VP',
  c_level: 'C-level',
  director: 'Director',
  manager: 'Manager',
  individual: 'Individual contributor',
  unknown: 'Unknown',
};

describe('committee view', () => {
  it("reads a title's seniority as the feature does (the card cannot import it)", () => {
    const titles = [
      ...TITLES.flat(),
      'Co-Founder',
      'Head of Data',
      'Team Lead, Support',
      'SVP Finance',
      'Werkstudent',
      '',
    ];
    for (const t of titles) expect(seniorityOfTitle(t)).toBe(LABEL[seniority(t)]);
    expect(seniorityOfTitle(null)).toBe('Unknown');
  });

  it('orders members by their own score, unscored last by name, and counts the senior ones', () => {
    const view = toCommitteeView([
      { toObjectId: 3, properties: { firstname: 'Zed', jobtitle: 'CEO', leadlens_score: '' } },
      { toObjectId: 1, properties: { firstname: 'Al', jobtitle: 'Analyst', leadlens_score: '12' } },
      { toObjectId: 2, properties: { firstname: 'Bea', jobtitle: 'Head of Sales' } },
      {
        toObjectId: 4,
        properties: { lastname: 'Li', leadlens_score: '64.6', leadlens_tier: 'tier_2' },
      },
    ]);
    expect(view.members.map((m) => [m.name, m.score, m.seniority])).toEqual([
      ['Li', 65, 'Unknown'],
      ['Al', 12, 'Individual contributor'],
      ['Bea', null, 'Director'],
      ['Zed', null, 'C-level'],
    ]);
    expect(view.members[0]!.tier).toEqual({ label: 'Tier 2', variant: 'info' });
    expect(view.scored).toBe(2);
    expect(view.senior).toBe(2);
  });
});
