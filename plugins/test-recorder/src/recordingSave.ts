import type {
  TestStep,
  TestSuiteDefinition,
} from '@internal/plugin-test-recorder-common';

/** A test id from its name: `Checkout with a card` → `checkout-with-a-card`, unique in the suite. */
export function testIdFor(name: string, taken: string[]): string {
  const base =
    name
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60)
      .replace(/-+$/, '') || 'test';
  let id = base;
  for (let n = 2; taken.includes(id); n++) id = `${base}-${n}`;
  return id;
}

/** The secret names fill steps type. */
export function secretsOf(steps: TestStep[]): string[] {
  const names = new Set<string>();
  for (const step of steps) {
    if (step.action === 'fill' && step.secret !== undefined)
      names.add(step.secret);
  }
  return [...names];
}

export type SaveTarget =
  | { mode: 'new'; name: string; title?: string; baseUrl: string }
  | { mode: 'add'; definition: TestSuiteDefinition }
  | { mode: 'replace'; definition: TestSuiteDefinition; testId: string };

/** The suite definition to store: the recorded test added to, or replacing one of, a suite. */
export function definitionWith(
  target: SaveTarget,
  testName: string,
  steps: TestStep[],
): TestSuiteDefinition {
  const secrets = secretsOf(steps);
  if (target.mode === 'new') {
    return {
      name: target.name,
      title: target.title || undefined,
      baseUrl: target.baseUrl,
      secrets: secrets.length ? secrets : undefined,
      tests: [{ id: testIdFor(testName, []), name: testName, steps }],
    };
  }
  const { definition } = target;
  const mergedSecrets = [
    ...new Set([...(definition.secrets ?? []), ...secrets]),
  ];
  const tests =
    target.mode === 'replace'
      ? definition.tests.map(t =>
          t.id === target.testId ? { id: t.id, name: testName, steps } : t,
        )
      : [
          ...definition.tests,
          {
            id: testIdFor(
              testName,
              definition.tests.map(t => t.id),
            ),
            name: testName,
            steps,
          },
        ];
  return {
    ...definition,
    secrets: mergedSecrets.length ? mergedSecrets : undefined,
    tests,
  };
}
