import type { LoggerService } from '@backstage/backend-plugin-api';
import type { TestRunSummary } from '@internal/plugin-test-recorder-common';
import { CronTime } from 'cron';
import type { TestRecorderStore } from '../store/TestRecorderStore';

/** How far back the run history is read to find a suite's last scheduled run. */
const MAX_RUN_PAGES = 20;
/** Ticks walked to find the latest due one (a minute-by-minute schedule: about a week). */
const MAX_TICKS = 10_000;

export type ScheduledRunsOptions = {
  store: Pick<TestRecorderStore, 'listSuites' | 'getSuite' | 'listRuns'>;
  /** Queues a run of the suite (TestRecorderService.runScheduled). */
  run(suiteName: string, tick: Date): Promise<TestRunSummary>;
  logger: LoggerService;
};

/**
 * Queues the runs of suites that name a `schedule`. `check(now)` runs every minute (one
 * backend instance at a time, through the scheduler): a suite is due when a tick of its cron
 * expression falls after its last scheduled run (or, with none, after its last change) and
 * at or before now. Ticks missed while the portal was down are caught up once, not one run
 * per tick.
 */
export class ScheduledRuns {
  constructor(private readonly options: ScheduledRunsOptions) {}

  async check(now: Date): Promise<{ queued: string[] }> {
    const queued: string[] = [];
    for (const summary of await this.options.store.listSuites({})) {
      const suite = await this.options.store.getSuite(summary.name);
      const schedule = suite?.definition.schedule;
      if (!suite || !schedule) {
        continue;
      }
      try {
        const since = await this.lastScheduled(suite.name, suite.updatedAt);
        const zone = schedule.timeZone ?? 'UTC';
        const cron = new CronTime(schedule.cron, zone);
        // The latest tick in (since, now]: after downtime, one catch-up run, not one per tick
        let due: Date | undefined;
        let next = cron.getNextDateFrom(since, zone).toJSDate();
        for (
          let steps = 0;
          next.getTime() <= now.getTime() && steps < MAX_TICKS;
          steps++
        ) {
          due = next;
          next = cron.getNextDateFrom(next, zone).toJSDate();
        }
        if (due) {
          await this.options.run(suite.name, due);
          queued.push(suite.name);
        }
      } catch (error) {
        this.options.logger.warn(
          `Test recorder: the schedule of suite ${suite.name} (${
            schedule.cron
          }) did not queue a run: ${(error as Error).message}`,
        );
      }
    }
    return { queued };
  }

  /** When the suite last ran on its schedule, or else when it last changed. */
  private async lastScheduled(
    suiteName: string,
    updatedAt: string,
  ): Promise<Date> {
    const changed = new Date(updatedAt);
    let cursor: string | undefined;
    for (let page = 0; page < MAX_RUN_PAGES; page++) {
      const { runs, nextCursor } = await this.options.store.listRuns({
        suiteName,
        limit: 50,
        cursor,
      });
      for (const run of runs) {
        const created = new Date(run.createdAt);
        if (created < changed) {
          return changed;
        }
        if (run.trigger === 'schedule') {
          // The tick it ran for (`schedule <cron>, due <ISO time>`), else when it was queued
          const due = /, due (\S+)$/.exec(run.triggeredBy)?.[1];
          const tick = due ? new Date(due) : created;
          return Number.isNaN(tick.getTime()) || tick < created
            ? created
            : tick;
        }
      }
      if (!nextCursor) {
        break;
      }
      cursor = nextCursor;
    }
    return changed;
  }
}
