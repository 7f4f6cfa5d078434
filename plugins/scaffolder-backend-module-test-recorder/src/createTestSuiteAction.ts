import {
  type BackstageCredentials,
  resolveSafeChildPath,
} from '@backstage/backend-plugin-api';
import type { ActionsService } from '@backstage/backend-plugin-api/alpha';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import {
  AuthenticationError,
  ConflictError,
  InputError,
  isError,
  NotAllowedError,
  NotFoundError,
  ResponseError,
} from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { JsonObject } from '@backstage/types';
import {
  parseTestSuiteDefinition,
  parseTestSuiteFile,
  TestSuiteValidationError,
  type TestSuiteDefinition,
} from '@internal/plugin-test-recorder-common';
import {
  createdLine,
  DEFAULT_WAIT_FOR_ENTITY_SECONDS,
  MAX_WAIT_FOR_ENTITY_SECONDS,
  type TaskCreationLog,
  type WaitClock,
  waitForEntity,
  waitForEntitySeconds,
} from '@internal/backend-common';
import { readFile, stat } from 'node:fs/promises';

const ACTION_ID = 'test-recorder:suite:create';

/** The test recorder's own actions, registered by @internal/plugin-test-recorder-backend. */
export const CREATE_SUITE_ACTION_ID = 'test-recorder:create-suite';
export const LIST_SUITES_ACTION_ID = 'test-recorder:list-suites';
export const GET_SUITE_ACTION_ID = 'test-recorder:get-suite';

/** A suite file is read whole; suites are far smaller. */
export const MAX_SUITE_FILE_BYTES = 1024 * 1024;
/**
 * The actions registry parses invoke bodies with express.json()'s default limit (100 KiB); a
 * larger request would come back as a bare 413, so it is refused here with the reason.
 */
export const MAX_INVOKE_BODY_BYTES = 100 * 1024;

export type CreateTestSuiteActionOptions = {
  actions: ActionsService;
  clock?: WaitClock;
  /** The frontend's base URL (`app.baseUrl`), for the suite page's link; '' for a relative one. */
  appBaseUrl?: string;
  /** Lists what the task created when the step fails (a real run only). */
  creationLog?: TaskCreationLog;
  /**
   * For dry runs, which create nothing: whether the initiator may edit the entity's suites
   * (`test-recorder.suite.edit`), or `missing` when the catalog does not have the entity yet
   * (a template's own register step has not run in a dry run).
   */
  mayEdit?: (
    credentials: BackstageCredentials,
    entityRef: string,
  ) => Promise<'allowed' | 'denied' | 'missing'>;
};

/** The name and message of a failed invoke: the remote error's, not "Request failed with 404". */
function remoteFailure(error: unknown): { name: string; message: string } {
  if (ResponseError.is(error)) {
    return { name: error.cause.name, message: error.cause.message };
  }
  if (isError(error)) {
    return { name: error.name, message: error.message };
  }
  return { name: 'Error', message: String(error) };
}

const ERROR_TYPES: Record<string, new (message: string) => Error> = {
  InputError,
  NotAllowedError,
  NotFoundError,
  ConflictError,
  AuthenticationError,
};

function normalizedRef(entityRef: string): string {
  try {
    return stringifyEntityRef(parseEntityRef(entityRef));
  } catch {
    throw new InputError(
      `entityRef: "${entityRef}" is not an entity ref, e.g. component:default/payments-api`,
    );
  }
}

function validationFailure(field: string, error: unknown): unknown {
  if (error instanceof TestSuiteValidationError) {
    return new InputError(`${field}: ${error.message}`);
  }
  return error;
}

/**
 * The suite file at `suiteFile` in the workspace. `resolveSafeChildPath` follows links, so
 * neither `..`, an absolute path, nor a link a fetched skeleton carries can point the action at
 * a file elsewhere on the host.
 */
async function readSuiteFile(
  workspacePath: string,
  suiteFile: string,
): Promise<{ definition: TestSuiteDefinition; entityRef?: string }> {
  let path: string;
  try {
    path = resolveSafeChildPath(workspacePath, suiteFile);
  } catch {
    throw new InputError(
      `suiteFile: "${suiteFile}" is outside the task workspace (or links there); give a path inside it, e.g. test-suites/smoke.json`,
    );
  }
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) {
      throw new InputError(`suiteFile: "${suiteFile}" is not a file`);
    }
    if (info.size > MAX_SUITE_FILE_BYTES) {
      throw new InputError(
        `suiteFile: "${suiteFile}" is ${info.size} bytes; a suite file may have at most ${MAX_SUITE_FILE_BYTES}`,
      );
    }
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InputError(
        `suiteFile: there is no file "${suiteFile}" in the task workspace (an earlier step, e.g. fetch:template, puts it there)`,
      );
    }
    throw error;
  }
  try {
    const { entityRef, ...definition } = parseTestSuiteFile(text, suiteFile);
    return { definition: definition as TestSuiteDefinition, entityRef };
  } catch (error) {
    throw validationFailure('suiteFile', error);
  }
}

/**
 * `test-recorder:suite:create`: gives a catalog entity a browser test suite, through the test
 * recorder's own `test-recorder:create-suite` action, invoked with the credentials of the user
 * who started the task so their `test-recorder.suite.edit` permission on the entity decides.
 * A template usually registers the entity just before; until the catalog has ingested it the
 * test recorder answers "not found", so that answer is retried for `waitForEntitySeconds`.
 */
export function createTestSuiteAction(options: CreateTestSuiteActionOptions) {
  const { actions, clock, creationLog } = options;
  const appBaseUrl = (options.appBaseUrl ?? '').replace(/\/+$/, '');

  /**
   * A read through the test recorder's actions, as the user: its output, or the name of a
   * failure in `tolerated`; any other failure throws, saying what could not be read and why.
   */
  const read = async (
    id: string,
    input: JsonObject,
    credentials: BackstageCredentials,
    what: string,
    tolerated: string[] = [],
  ): Promise<{ output?: unknown; failure?: string }> => {
    try {
      return {
        output: (await actions.invoke({ id, input, credentials })).output,
      };
    } catch (error) {
      const failure = remoteFailure(error);
      const missingAction = failure.message.includes(id);
      if (tolerated.includes(failure.name) && !missingAction) {
        return { failure: failure.name };
      }
      const hint = missingAction
        ? ' (is @internal/plugin-test-recorder-backend installed, and test-recorder listed in backend.actions.pluginSources?)'
        : '';
      const ErrorType = ERROR_TYPES[failure.name] ?? Error;
      throw new ErrorType(
        `The test recorder could not ${what}: ${failure.message}${hint}`,
      );
    }
  };

  /** The version of the suite `name` if `entityRef` owns it (test-recorder:list-suites). */
  const ownedSuiteVersion = async (
    credentials: BackstageCredentials,
    entityRef: string,
    name: string,
  ): Promise<number | undefined> => {
    const { output } = await read(
      LIST_SUITES_ACTION_ID,
      { entityRef },
      credentials,
      `list the test suites of ${entityRef}`,
    );
    const suites = (output as { suites?: unknown } | undefined)?.suites;
    if (!Array.isArray(suites)) {
      throw new Error(
        `${LIST_SUITES_ACTION_ID} answered ${JSON.stringify(
          output,
        )} instead of the entity's suites`,
      );
    }
    const own = suites.find(
      (suite: { name?: unknown } | null) => suite?.name === name,
    ) as { version?: unknown } | undefined;
    return typeof own?.version === 'number' ? own.version : undefined;
  };

  /**
   * Whether a suite `name` exists (test-recorder:get-suite): not found is the only "no"; a
   * suite the user may not read exists all the same.
   */
  const suiteExists = async (
    credentials: BackstageCredentials,
    name: string,
  ): Promise<boolean> => {
    const { failure } = await read(
      GET_SUITE_ACTION_ID,
      { suite: name },
      credentials,
      `look up the test suite "${name}"`,
      ['NotFoundError', 'NotAllowedError'],
    );
    return failure !== 'NotFoundError';
  };

  const action = createTemplateAction({
    id: ACTION_ID,
    description:
      "Creates a browser test suite owned by a catalog entity, from a suite in Comet's step format (the suite input) or a JSON suite file in the workspace (suiteFile). It needs test-recorder.suite.edit on the entity for the user who started the task. An entity registered by an earlier step is waited for until the catalog has it (waitForEntitySeconds). A suite of that name the entity already owns is adopted as it is (created: false, adopted: true), so a re-run of the template resumes; a suite of that name owned by another entity is a conflict. Dry run validates the suite, says whether it would create, adopt or conflict, and creates nothing.",
    examples: [
      {
        description:
          "Register the new service, then give it the smoke suite the skeleton carries (the file's entityRef, if it has one, must be the service's)",
        example: [
          'steps:',
          '  - id: fetch',
          '    action: fetch:template',
          '    input:',
          '      url: ./skeleton',
          '      values:',
          '        name: ${{ parameters.name }}',
          '  - id: register',
          '    action: catalog:register',
          '    input:',
          "      catalogInfoUrl: ${{ steps['publish'].output.repoContentsUrl }}/catalog-info.yaml",
          '  - id: test-suite',
          '    action: test-recorder:suite:create',
          '    input:',
          '      entityRef: component:default/${{ parameters.name }}',
          '      suiteFile: test-suites/smoke.json',
          '      message: Created by the new-service template',
        ].join('\n'),
      },
      {
        description: 'A suite written in the template itself',
        example: [
          'steps:',
          '  - id: test-suite',
          '    action: test-recorder:suite:create',
          '    input:',
          '      entityRef: component:default/${{ parameters.name }}',
          '      waitForEntitySeconds: 300',
          '      suite:',
          '        name: ${{ parameters.name }}-smoke',
          '        title: ${{ parameters.name }} smoke test',
          '        baseUrl: https://${{ parameters.name }}.example.com',
          '        tests:',
          '          - id: home',
          '            name: the home page answers',
          '            steps:',
          '              - id: s1',
          '                action: navigate',
          '                url: /',
        ].join('\n'),
      },
    ],
    supportsDryRun: true,
    schema: {
      input: {
        entityRef: z =>
          z
            .string()
            .describe(
              'The entity that owns the suite, e.g. component:default/payments-api',
            ),
        suite: z =>
          z
            .record(z.string(), z.any())
            .optional()
            .describe(
              "The suite in Comet's step format (name, baseUrl, tests with steps); or give suiteFile",
            ),
        suiteFile: z =>
          z
            .string()
            .optional()
            .describe(
              'A JSON suite file in the task workspace, e.g. test-suites/smoke.json; or give suite',
            ),
        message: z =>
          z
            .string()
            .optional()
            .describe("The first version's message; Created by default"),
        waitForEntitySeconds: z =>
          z
            .number()
            .int()
            .min(0)
            .max(MAX_WAIT_FOR_ENTITY_SECONDS)
            .optional()
            .describe(
              `How long to wait for the catalog to ingest the entity, in seconds (default ${DEFAULT_WAIT_FOR_ENTITY_SECONDS}, at most ${MAX_WAIT_FOR_ENTITY_SECONDS})`,
            ),
      },
      output: {
        name: z => z.string().describe("The suite's name"),
        version: z =>
          z
            .number()
            .describe(
              "The suite's version: 1 when created, the current one when adopted, 0 in a dry run that would create it",
            ),
        created: z =>
          z.boolean().describe('Whether this run created the suite'),
        adopted: z =>
          z
            .boolean()
            .describe(
              'Whether a suite of that name the entity already owned was adopted, unchanged (or would be, in a dry run)',
            ),
      },
    },
    async handler(ctx) {
      const { input, logger } = ctx;
      const entityRef = normalizedRef(input.entityRef);
      const waitSeconds = waitForEntitySeconds(input.waitForEntitySeconds);
      if ((input.suite === undefined) === (input.suiteFile === undefined)) {
        throw new InputError(
          'Give either suite (the suite itself) or suiteFile (a suite file in the workspace), not both or neither',
        );
      }

      let definition: TestSuiteDefinition;
      if (input.suite !== undefined) {
        try {
          definition = parseTestSuiteDefinition(input.suite);
        } catch (error) {
          throw validationFailure('suite', error);
        }
      } else {
        const file = await readSuiteFile(ctx.workspacePath, input.suiteFile!);
        if (file.entityRef && normalizedRef(file.entityRef) !== entityRef) {
          throw new InputError(
            `suiteFile: "${input.suiteFile}" belongs to ${file.entityRef}, not to ${entityRef}; change the file's entityRef or remove it`,
          );
        }
        definition = file.definition;
      }
      const name = definition.name;
      const what = `the test suite "${name}" (${definition.tests.length} ${
        definition.tests.length === 1 ? 'test' : 'tests'
      }) for ${entityRef}`;

      const invokeInput: JsonObject = {
        entityRef,
        definition: definition as unknown as JsonObject,
        ...(input.message !== undefined ? { message: input.message } : {}),
      };
      const bodyBytes = Buffer.byteLength(JSON.stringify(invokeInput));
      if (bodyBytes > MAX_INVOKE_BODY_BYTES) {
        throw new InputError(
          `${
            input.suite !== undefined ? 'suite' : 'suiteFile'
          }: ${what} is ${Math.ceil(
            bodyBytes / 1024,
          )} KiB as JSON; the test recorder's actions take at most ${
            MAX_INVOKE_BODY_BYTES / 1024
          } KiB: split it into several suites`,
        );
      }

      const outputSuite = (
        suite: { name: string; version: number },
        outcome: { created: boolean; adopted: boolean },
      ) => {
        ctx.output('name', suite.name);
        ctx.output('version', suite.version);
        ctx.output('created', outcome.created);
        ctx.output('adopted', outcome.adopted);
      };
      const adopted = (version: number, how: string) =>
        `${how} the test suite "${name}" (version ${version}) of ${entityRef}, which owns it; nothing changed`;

      if (ctx.isDryRun) {
        const credentials = await ctx.getInitiatorCredentials();
        const decision = options.mayEdit
          ? await options.mayEdit(credentials, entityRef)
          : 'missing';
        if (decision === 'denied') {
          throw new NotAllowedError(
            `You may not create test suites for ${entityRef} (test-recorder.suite.edit)`,
          );
        }
        // Reads only: the entity's own suite of that name, else anyone's
        const owned =
          decision === 'allowed'
            ? await ownedSuiteVersion(credentials, entityRef, name)
            : undefined;
        if (owned !== undefined) {
          logger.info(adopted(owned, 'Dry run: would adopt'));
          outputSuite(
            { name, version: owned },
            { created: false, adopted: true },
          );
          return;
        }
        if (await suiteExists(credentials, name)) {
          throw new ConflictError(
            `The test recorder would not create ${what}: a test suite named "${name}" already exists and ${entityRef} does not own it; choose another name`,
          );
        }
        logger.info(`Dry run: would create ${what}`);
        outputSuite({ name, version: 0 }, { created: false, adopted: false });
        return;
      }

      const credentials = await ctx.getInitiatorCredentials();
      /** One invoke: the suite, or the catalog not having the entity yet; else it throws. */
      const invokeCreateSuite = async (): Promise<
        | { value: { name: string; version: number; adopted?: boolean } }
        | { missing: string }
      > => {
        let output: unknown;
        try {
          ({ output } = await actions.invoke({
            id: CREATE_SUITE_ACTION_ID,
            input: invokeInput,
            credentials,
          }));
        } catch (error) {
          const failure = remoteFailure(error);
          const notFound = failure.name === 'NotFoundError';
          if (
            notFound &&
            failure.message.toLocaleLowerCase('en-US').includes(entityRef)
          ) {
            return { missing: failure.message };
          }
          if (failure.name === 'ConflictError') {
            // The name is taken: by this entity (an earlier run of the template), it is adopted
            const version = await ownedSuiteVersion(
              credentials,
              entityRef,
              name,
            );
            if (version !== undefined) {
              return { value: { name, version, adopted: true } };
            }
          }
          const hint =
            notFound && failure.message.includes(CREATE_SUITE_ACTION_ID)
              ? ' (is @internal/plugin-test-recorder-backend installed, and test-recorder listed in backend.actions.pluginSources?)'
              : '';
          const ErrorType = ERROR_TYPES[failure.name] ?? Error;
          throw new ErrorType(
            `The test recorder did not create ${what}: ${failure.message}${hint}`,
          );
        }
        const result = output as { name?: unknown; version?: unknown } | null;
        if (
          typeof result?.name !== 'string' ||
          typeof result.version !== 'number'
        ) {
          throw new Error(
            `${CREATE_SUITE_ACTION_ID} answered ${JSON.stringify(
              output,
            )} instead of the suite's name and version`,
          );
        }
        return { value: { name: result.name, version: result.version } };
      };
      const created = await ctx.checkpoint({
        key: `test-recorder.suite.create.${entityRef}.${name}`,
        fn: () =>
          waitForEntity({
            entityRef,
            waitSeconds,
            what: `The test recorder did not create ${what}`,
            attempt: invokeCreateSuite,
            logger,
            clock,
            signal: ctx.signal,
          }),
      });
      const suiteUrl = `${appBaseUrl}/test-recorder/suites/${encodeURIComponent(
        created.name,
      )}`;
      if (created.adopted) {
        logger.info(adopted(created.version, 'Adopted'));
        logger.info(
          createdLine({
            how: 'Adopted',
            kind: 'test suite',
            name: created.name,
            url: suiteUrl,
          }),
        );
        outputSuite(created, { created: false, adopted: true });
        return;
      }
      logger.info(
        `The test suite "${created.name}" (version ${created.version}) belongs to ${entityRef}`,
      );
      logger.info(
        createdLine({
          how: 'Created',
          kind: 'test suite',
          name: created.name,
          url: suiteUrl,
        }),
      );
      outputSuite(created, { created: true, adopted: false });
    },
  });
  return creationLog ? creationLog.guard(action) : action;
}
