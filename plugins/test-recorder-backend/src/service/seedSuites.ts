import type { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import { parseTestSuiteFile } from '@internal/plugin-test-recorder-common';
import { normalizedEntityRef } from '@internal/backend-common';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { TestRecorderStore } from '../store/TestRecorderStore';

export const SEED_AUTHOR = 'comet:seed';

/**
 * Loads `testRecorder.seedSuites` (suite files with their `entityRef`) into the store once:
 * a suite that already exists is left as it is, so edits made in the portal are never
 * overwritten. A bad file is logged with its file, line and column and skipped.
 */
export async function seedSuites(options: {
  store: TestRecorderStore;
  files: string[];
  logger: LoggerService;
}): Promise<{ created: string[] }> {
  const created: string[] = [];
  for (const file of options.files) {
    const fileName = path.resolve(file);
    try {
      const text = await fs.readFile(fileName, 'utf8');
      const { entityRef, ...definition } = parseTestSuiteFile(text, fileName);
      if (!entityRef) {
        throw new Error(
          `${fileName}: a seed suite names its owner in "entityRef", e.g. "component:default/storefront-web"`,
        );
      }
      if (await options.store.getSuite(definition.name)) continue;
      try {
        await options.store.createSuite({
          entityRef: normalizedEntityRef(entityRef),
          definition,
          createdBy: SEED_AUTHOR,
          message: `Loaded from ${path.basename(fileName)}`,
        });
      } catch (error) {
        // Another instance seeded it a moment ago: it exists, as wanted
        if (error instanceof ConflictError) continue;
        throw error;
      }
      created.push(definition.name);
      options.logger.info(
        `Test recorder: loaded suite ${definition.name} for ${entityRef} from ${fileName}`,
      );
    } catch (error) {
      // Validation errors name the file and line; read errors name the file
      options.logger.warn(
        `Test recorder: seed suite not loaded: ${(error as Error).message}`,
      );
    }
  }
  return { created };
}
