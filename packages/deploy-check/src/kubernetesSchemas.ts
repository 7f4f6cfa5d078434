import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import ts from 'typescript';
import { type DeployProblem, type ManifestDocument, problemIn } from './types';

/**
 * Kubernetes schema validation of manifests, from the `kubernetes-models` package (generated
 * from the Kubernetes OpenAPI document of a current release):
 *
 * - its ajv-compiled JSON schemas check types, required fields, enums and formats (quantities,
 *   CIDRs, ...);
 * - its type declarations, read with the TypeScript compiler, give the fields each object may
 *   have: a field the API does not know is an error, as with `kubectl apply --validate=strict`
 *   (the OpenAPI schemas themselves allow unknown fields, and the API server drops them
 *   silently, which hides typos such as `livenesProbe`).
 */
export function validateKubernetesSchemas(
  documents: ManifestDocument[],
): DeployProblem[] {
  return [...schemaProblems(documents), ...unknownFieldProblems(documents)];
}

type SchemaResult =
  | { unknown: string }
  | {
      errors: Array<{
        instancePath: string;
        message: string;
        params?: Record<string, unknown>;
      }>;
    };

function jsonPointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map(part => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((out, part) => {
      if (/^\d+$/.test(part)) return `${out}[${part}]`;
      return out ? `${out}.${part}` : part;
    }, '');
}

/** This package's folder: kubernetes-models resolves from there. */
const PACKAGE_DIR = resolvePackagePath('@internal/deploy-check');

function schemaProblems(documents: ManifestDocument[]): DeployProblem[] {
  if (documents.length === 0) return [];
  const output = execFileSync(
    process.execPath,
    [path.join(PACKAGE_DIR, 'src', 'kubernetesModelsValidate.mjs')],
    {
      input: JSON.stringify(documents.map(document => document.object)),
      cwd: PACKAGE_DIR,
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8',
    },
  );
  const results = JSON.parse(output) as SchemaResult[];
  const problems: DeployProblem[] = [];
  results.forEach((result, index) => {
    const document = documents[index];
    if ('unknown' in result) {
      problems.push(
        problemIn(
          document,
          undefined,
          `the Kubernetes API has no ${result.unknown}`,
        ),
      );
      return;
    }
    // One line per field: a oneOf (a quantity is a number or a string) fails several ways
    const byPath = new Map<string, string[]>();
    for (const error of result.errors) {
      if (error.message.includes('"oneOf"')) continue;
      const allowed = error.params?.allowedValues;
      const message = Array.isArray(allowed)
        ? `${error.message}: ${allowed.join(', ')}`
        : error.message;
      const messages = byPath.get(error.instancePath) ?? [];
      messages.push(message);
      byPath.set(error.instancePath, messages);
    }
    for (const [pointer, messages] of byPath) {
      problems.push(
        problemIn(
          document,
          jsonPointerToPath(pointer) || undefined,
          `${messages.join(' or ')} (Kubernetes schema)`,
        ),
      );
    }
  });
  return problems;
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j];
      previous[j] = Math.min(
        previous[j] + 1,
        previous[j - 1] + 1,
        diagonal + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1),
      );
      diagonal = above;
    }
  }
  return previous[b.length];
}

function suggestion(name: string, known: string[]): string {
  const lower = name.toLowerCase();
  const best = known
    .map(candidate => ({
      candidate,
      // A name cut short (terminationGracePeriod) is as close as a typo
      score:
        candidate.toLowerCase().startsWith(lower) && lower.length >= 4
          ? 1
          : distance(name, candidate),
    }))
    .sort((x, y) => x.score - y.score)[0];
  return best && best.score <= Math.max(2, Math.floor(name.length / 4))
    ? `; did you mean ${best.candidate}?`
    : '';
}

// A file that exists only in memory, placed where kubernetes-models resolves
const ENTRY_FILE = path.join(PACKAGE_DIR, 'src', '__deploy_check_kinds__.ts');

/** API versions loaded together, so that one compiled program serves every check. */
const COMMON_API_VERSIONS = [
  'v1',
  'apps/v1',
  'batch/v1',
  'policy/v1',
  'networking.k8s.io/v1',
  'rbac.authorization.k8s.io/v1',
];

type KindTypes = {
  checker: ts.TypeChecker;
  typeOf: (document: ManifestDocument) => ts.Type | undefined;
};

const kindTypesCache = new Map<string, KindTypes>();

/** The interface of each document's kind, from kubernetes-models' declarations. */
function kindTypes(documents: ManifestDocument[]): KindTypes {
  const apiVersions = [
    ...new Set([
      ...COMMON_API_VERSIONS,
      ...documents.map(document => document.object.apiVersion),
    ]),
  ].sort();
  const cacheKey = apiVersions.join(' ');
  const cached = kindTypesCache.get(cacheKey);
  if (cached) return cached;
  const source = apiVersions
    .map(
      (apiVersion, index) =>
        `import type * as M${index} from ${JSON.stringify(
          `kubernetes-models/${apiVersion}`,
        )};`,
    )
    .join('\n');
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile;
  host.getSourceFile = (fileName, languageVersion, ...rest) =>
    path.resolve(fileName) === ENTRY_FILE
      ? ts.createSourceFile(fileName, source, languageVersion)
      : getSourceFile.call(host, fileName, languageVersion, ...rest);
  const fileExists = host.fileExists;
  host.fileExists = fileName =>
    path.resolve(fileName) === ENTRY_FILE || fileExists.call(host, fileName);
  const program = ts.createProgram([ENTRY_FILE], options, host);
  const checker = program.getTypeChecker();
  const entry = program.getSourceFile(ENTRY_FILE)!;
  const modules = new Map<string, ts.Symbol | undefined>();
  entry.statements.forEach((statement, index) => {
    if (ts.isImportDeclaration(statement)) {
      modules.set(
        apiVersions[index],
        checker.getSymbolAtLocation(statement.moduleSpecifier),
      );
    }
  });
  const result: KindTypes = {
    checker,
    typeOf: document => {
      const module = modules.get(document.object.apiVersion);
      if (!module) return undefined;
      const exported = checker
        .getExportsOfModule(module)
        .find(symbol => symbol.name === `I${document.object.kind}`);
      if (!exported) return undefined;
      const symbol =
        exported.flags & ts.SymbolFlags.Alias
          ? checker.getAliasedSymbol(exported)
          : exported;
      return checker.getDeclaredTypeOfSymbol(symbol);
    },
  };
  kindTypesCache.set(cacheKey, result);
  return result;
}

function unknownFieldProblems(documents: ManifestDocument[]): DeployProblem[] {
  if (documents.length === 0) return [];
  const { checker, typeOf } = kindTypes(documents);
  const problems: DeployProblem[] = [];

  const isObjectType = (type: ts.Type) =>
    (type.flags & ts.TypeFlags.Object) !== 0;

  const walk = (
    document: ManifestDocument,
    value: unknown,
    declared: ts.Type,
    where: string,
  ) => {
    if (value === null || typeof value !== 'object') return;
    let type = checker.getNonNullableType(declared);
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
    if (type.isUnion()) {
      const objects = type.types.filter(isObjectType);
      // A value that may be several object shapes, or only primitives: the schema decides
      if (objects.length !== 1) return;
      type = objects[0];
    }
    if (Array.isArray(value)) {
      if (!checker.isArrayType(type)) return;
      const [element] = checker.getTypeArguments(type as ts.TypeReference);
      value.forEach((item, index) =>
        walk(document, item, element, `${where}[${index}]`),
      );
      return;
    }
    const properties = checker.getPropertiesOfType(type);
    const indexType = checker.getIndexTypeOfType(type, ts.IndexKind.String);
    if (properties.length === 0 && !indexType) return;
    const byName = new Map(properties.map(symbol => [symbol.name, symbol]));
    for (const [key, child] of Object.entries(value)) {
      const childPath = where ? `${where}.${key}` : key;
      const property = byName.get(key);
      if (property) {
        const declaration =
          property.valueDeclaration ?? property.declarations?.[0];
        if (declaration) {
          walk(
            document,
            child,
            checker.getTypeOfSymbolAtLocation(property, declaration),
            childPath,
          );
        }
      } else if (indexType) {
        walk(document, child, indexType, childPath);
      } else {
        problems.push(
          problemIn(
            document,
            childPath,
            `unknown field "${key}"${suggestion(key, [
              ...byName.keys(),
            ])} (the Kubernetes API would drop it)`,
          ),
        );
      }
    }
  };

  for (const document of documents) {
    const type = typeOf(document);
    // Unknown kinds and API versions are reported by the schema validation
    if (type) walk(document, document.object, type, '');
  }
  return problems;
}
