import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';

/** Where a config file refers to an environment variable: `${NAME}` in a value. */
export type EnvReference = {
  variable: string;
  key: string;
  file: string;
};

const ENV_PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

function walk(value: unknown, key: string, file: string, out: EnvReference[]) {
  if (typeof value === 'string') {
    for (const match of value.matchAll(ENV_PATTERN)) {
      out.push({ variable: match[1], key, file });
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => walk(item, `${key}[${index}]`, file, out));
  } else if (value && typeof value === 'object') {
    for (const [name, child] of Object.entries(value)) {
      walk(child, key ? `${key}.${name}` : name, file, out);
    }
  }
}

/** Every `${NAME}` reference in the given config files, with the key it sets. */
export function findEnvReferences(files: string[]): EnvReference[] {
  const references: EnvReference[] = [];
  for (const file of files) {
    const document = parseDocument(fs.readFileSync(file, 'utf8'));
    walk(document.toJS(), '', path.basename(file), references);
  }
  return references;
}

/** The config files the backend loads: every `--config <path>`, else app-config(.local).yaml. */
export function configFilesFromArgs(argv: string[], cwd: string): string[] {
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--config' && argv[i + 1]) {
      files.push(path.resolve(cwd, argv[++i]));
    } else if (arg.startsWith('--config=')) {
      files.push(path.resolve(cwd, arg.slice('--config='.length)));
    }
  }
  if (files.length === 0) {
    for (const name of ['app-config.yaml', 'app-config.local.yaml']) {
      const file = path.resolve(cwd, name);
      if (fs.existsSync(file)) files.push(file);
    }
  }
  return files.filter(file => !/^https?:/.test(file));
}
