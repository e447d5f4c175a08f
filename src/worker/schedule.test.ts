import { DEFAULT_SCHEDULE } from '../contracts/settings';
import { holderForJob, jobIdOfHolder, PipelineJobSchema, singletonKeyOf } from './queue';
import { checkSchedule, isDue } from './schedule';

const at = (iso: string) => Date.parse(iso);

describe('per-portal schedules', () => {
  it('fires in the minute its cron names, whenever in that minute the tick is handled', () => {
    const hourly = DEFAULT_SCHEDULE; // '0 * * * *' UTC
    expect(isDue(hourly, at('2026-03-01T10:00:00.000Z'))).toBe(true);
    expect(isDue(hourly, at('2026-03-01T10:00:59.999Z'))).toBe(true);
    expect(isDue(hourly, at('2026-03-01T10:01:00.000Z'))).toBe(false);
    expect(isDue(hourly, at('2026-03-01T09:59:59.999Z'))).toBe(false);
    expect(isDue({ ...hourly, enabled: false }, at('2026-03-01T10:00:10Z'))).toBe(false);
  });

  it('reads the cron in the portal’s time zone', () => {
    const sixInBerlin = { enabled: true, cron: '0 6 * * 1-5', timezone: 'Europe/Berlin' };
    // Monday 2 March 2026, 06:00 in Berlin is 05:00 UTC (CET).
    expect(isDue(sixInBerlin, at('2026-03-02T05:00:30Z'))).toBe(true);
    expect(isDue(sixInBerlin, at('2026-03-02T06:00:30Z'))).toBe(false);
    // Saturday: not a weekday.
    expect(isDue(sixInBerlin, at('2026-03-07T05:00:30Z'))).toBe(false);
  });

  it('rejects a cron or time zone it cannot read', () => {
    expect(() => checkSchedule({ enabled: true, cron: '61 * * * *', timezone: 'UTC' })).toThrow();
    expect(() =>
      checkSchedule({ enabled: true, cron: '0 * * * *', timezone: 'Mars/Base' }),
    ).toThrow();
    expect(() => checkSchedule(DEFAULT_SCHEDULE)).not.toThrow();
  });
});

describe('pipeline jobs', () => {
  it('are keyed per portal and task, and carry nothing but validated fields', () => {
    const job = PipelineJobSchema.parse({ portalId: '62515', task: 'sync' });
    expect(job).toEqual({ portalId: '62515', task: 'sync', restart: false, full: false });
    expect(singletonKeyOf(job)).toBe('62515:sync');
    expect(PipelineJobSchema.safeParse({ portalId: '62515', task: 'drop' }).success).toBe(false);
    expect(PipelineJobSchema.safeParse({ portalId: "1' OR 1=1", task: 'run' }).success).toBe(false);
    expect(PipelineJobSchema.safeParse({ portalId: '1', task: 'run', token: 'x' }).success).toBe(
      false,
    );
  });

  it('name the job in the lease holder, so a watchdog can hand it on', () => {
    const id = '6f1c2b9e-8a4d-4f7e-9d2a-1b3c4d5e6f70';
    expect(jobIdOfHolder(holderForJob('host-1', 42, id))).toBe(id);
    expect(jobIdOfHolder('leadlens run (cli) on host-1:42')).toBeNull();
  });
});
