/**
 * Per-portal schedules. pg-boss 10 keeps one cron per queue, not per portal, so one pg-boss
 * cron ticks every minute (pg-boss makes sure one instance sends it) and the tick sends a `run`
 * job to each installed portal whose own cron (settings.schedule) matches that minute. A
 * portal's retrain cadence needs no cron of its own: `run` retrains when the published model is
 * older than `retrainCadenceDays`.
 */
import { parseExpression } from 'cron-parser';
import type { Schedule } from '../contracts/settings';

const MINUTE = 60_000;

/** True when `schedule` fires in the minute that contains `at` (epoch ms). */
export function isDue(schedule: Schedule, at: number): boolean {
  if (!schedule.enabled) return false;
  const minute = Math.floor(at / MINUTE) * MINUTE;
  const it = parseExpression(schedule.cron, {
    currentDate: new Date(minute + 1),
    tz: schedule.timezone,
  });
  return it.prev().getTime() === minute;
}

/** Throws cron-parser's message for a cron or time zone it cannot read. */
export function checkSchedule(schedule: Schedule): void {
  parseExpression(schedule.cron, { tz: schedule.timezone }).next();
}
