// Validates Kubernetes objects with the kubernetes-models package: JSON schemas of the
// Kubernetes OpenAPI document, compiled to validators by ajv. The package is ESM-only, so it
// runs in a Node process of its own (see kubernetesSchemas.ts); reads a JSON array of objects
// on stdin and writes one result per object on stdout.
import { readFileSync } from 'node:fs';

const objects = JSON.parse(readFileSync(0, 'utf8'));
const results = [];
for (const object of objects) {
  const apiVersion = String(object?.apiVersion ?? '');
  const modulePath = `kubernetes-models/${apiVersion}`;
  let models;
  try {
    models = await import(modulePath);
  } catch {
    results.push({ unknown: `apiVersion ${apiVersion}` });
    continue;
  }
  const Model = models[object?.kind];
  if (
    typeof Model !== 'function' ||
    typeof Model.prototype?.validate !== 'function'
  ) {
    results.push({ unknown: `kind ${object?.kind} in ${apiVersion}` });
    continue;
  }
  try {
    new Model(object).validate();
    results.push({ errors: [] });
  } catch (error) {
    results.push({
      errors: Array.isArray(error?.errors)
        ? error.errors.map(e => ({
            instancePath: e.instancePath,
            message: e.message,
            params: e.params,
          }))
        : [{ instancePath: '', message: String(error?.message ?? error) }],
    });
  }
}
process.stdout.write(JSON.stringify(results));
