import { resolvePackagePath } from '@backstage/backend-plugin-api';
import fs from 'node:fs';

const FIXTURES = 'src/analysis/__fixtures__';

/** A log sample from `__fixtures__/logs`. */
export function readLogFixture(name: string): string {
  return fs.readFileSync(
    resolvePackagePath(
      '@internal/plugin-ai-assistant-backend',
      FIXTURES,
      'logs',
      name,
    ),
    'utf8',
  );
}

/** A rules file from `__fixtures__/rules`. */
export function readRulesFixture(name: string): string {
  return fs.readFileSync(
    resolvePackagePath(
      '@internal/plugin-ai-assistant-backend',
      FIXTURES,
      'rules',
      name,
    ),
    'utf8',
  );
}
