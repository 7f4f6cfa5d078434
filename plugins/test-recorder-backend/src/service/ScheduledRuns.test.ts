import {
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import type { Knex } from 'knex';
import {
  ADA,
  createServiceHarness,
  plainDefinition,
  type ServiceHarness,
  STOREFRONT,
} from './__testUtils__/serviceHarness';
import { ScheduledRuns } from './ScheduledRuns';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
const ada = mockCredentials.user(ADA);

describe.each(databases.eachSupportedId())(
  'ScheduledRuns on %p',
  databaseId => {
    let knex: Knex;
    let h: ServiceHarness;
    let scheduled: ScheduledRuns;
    const logger = mockServices.logger.mock();

    beforeAll(async () => {
      knex = await databases.init(databaseId);
    });

    beforeEach(async () => {
      h = await createServiceHarness(knex);
      scheduled = new ScheduledRuns({
        store: h.store,
        run: (suiteName, tick) => h.service.runScheduled(suiteName, tick),
        logger,
      });
    });

    afterEach(async () => {
      await h.cleanup();
    });

    const create = (name: string, cron?: string, timeZone?: string) =>
      h.service.createSuite(ada, {
        entityRef: STOREFRONT,
        definition: plainDefinition(
          name,
          cron ? { schedule: { cron, timeZone } } : {},
        ),
      });

    const runsOf = async (suiteName: string) =>
      (await h.store.listRuns({ suiteName, limit: 50 })).runs;

    it('queues a suite once per tick of its cron expression', async () => {
      const suite = await create('nightly', '0 6 * * *');
      await create('unscheduled');
      const changed = new Date(suite.updatedAt);
      const nextSix = new Date(changed);
      nextSix.setUTCHours(6, 0, 0, 0);
      if (nextSix <= changed) nextSix.setUTCDate(nextSix.getUTCDate() + 1);

      // Before the tick: nothing
      expect(
        await scheduled.check(new Date(nextSix.getTime() - 60_000)),
      ).toEqual({ queued: [] });
      expect(await runsOf('nightly')).toEqual([]);

      // At the tick: one run, marked as scheduled, audited
      expect(await scheduled.check(nextSix)).toEqual({ queued: ['nightly'] });
      const [run] = await runsOf('nightly');
      expect(run).toMatchObject({
        suiteName: 'nightly',
        status: 'queued',
        trigger: 'schedule',
        triggeredBy: `schedule 0 6 * * *, due ${nextSix.toISOString()}`,
      });
      expect(h.auditor.events).toContainEqual(
        expect.objectContaining({
          eventId: 'test-recorder-run-create',
          status: 'success',
          meta: expect.objectContaining({
            suite: 'nightly',
            actor: 'schedule',
            runId: run.runId,
          }),
        }),
      );

      // Checked again within the same day: still one run
      expect(
        await scheduled.check(new Date(nextSix.getTime() + 3_600_000)),
      ).toEqual({ queued: [] });
      expect(await runsOf('nightly')).toHaveLength(1);

      // Three days later (the portal was down): one catch-up run, not three
      const later = new Date(nextSix.getTime() + 3 * 24 * 3_600_000);
      expect(await scheduled.check(later)).toEqual({ queued: ['nightly'] });
      expect(await scheduled.check(later)).toEqual({ queued: [] });
      expect(await runsOf('nightly')).toHaveLength(2);
      expect(await runsOf('unscheduled')).toEqual([]);
    });

    it('reads the cron expression in the suite time zone', async () => {
      const suite = await create('berlin', '0 6 * * *', 'Europe/Berlin');
      const changed = new Date(suite.updatedAt);
      // 06:00 in Berlin is 05:00 UTC in winter (the test's date is in December)
      const tick = new Date(changed);
      tick.setUTCHours(5, 0, 0, 0);
      if (tick <= changed) tick.setUTCDate(tick.getUTCDate() + 1);
      expect(await scheduled.check(new Date(tick.getTime() - 1))).toEqual({
        queued: [],
      });
      expect(await scheduled.check(tick)).toEqual({ queued: ['berlin'] });
    });

    it('logs a schedule that cannot queue a run and goes on with the others', async () => {
      await h.service.createSuite(ada, {
        entityRef: STOREFRONT,
        definition: {
          ...plainDefinition('needs-secret', {
            schedule: { cron: '* * * * *' },
            secrets: ['TOKEN'],
          }),
          tests: [
            {
              id: 'login',
              name: 'Login',
              steps: [
                {
                  id: 's1',
                  action: 'fill',
                  target: { locator: { kind: 'testId', value: 'token' } },
                  secret: 'TOKEN',
                },
              ],
            },
          ],
        },
      });
      await create('every-minute', '* * * * *');
      const inAnHour = new Date(Date.now() + 3_600_000);
      expect(await scheduled.check(inAnHour)).toEqual({
        queued: ['every-minute'],
      });
      expect(logger.warn).toHaveBeenCalledWith(
        expect.stringContaining(
          'the schedule of suite needs-secret (* * * * *) did not queue a run: Suite needs-secret needs secrets without a value: TOKEN',
        ),
      );
    });

    it('refuses a time zone the server does not know when a suite is saved', async () => {
      await expect(
        create('nowhere', '0 6 * * *', 'Mars/Olympus_Mons'),
      ).rejects.toThrow(
        'definition.schedule.timeZone: "Mars/Olympus_Mons" is not a time zone this server knows',
      );
      await expect(create('bad-cron', '0 6 * *')).rejects.toThrow(
        /definition: .*schedule\.cron.*must have 5 fields/,
      );
    });
  },
);
