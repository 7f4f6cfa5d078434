import { isMap, isSeq, parseDocument, Scalar, YAMLMap, YAMLSeq } from 'yaml';

/** What the visual builder shows: jobs with their needs and step names. */
export type BuilderJob = { id: string; needs: string[]; steps: string[] };

const JOB_ID = /^[a-z0-9][a-z0-9_-]*$/i;

function load(text: string) {
  const doc = parseDocument(text);
  if (doc.errors.length) {
    throw new Error(
      `The YAML does not parse (${
        doc.errors[0].message.split('\n')[0]
      }); fix it in the text editor first`,
    );
  }
  return doc;
}

function scalarValue(node: unknown): string {
  return String(node instanceof Scalar ? node.value : node);
}

/** Jobs in file order; empty when the file has no jobs or does not parse. */
export function readJobs(text: string): BuilderJob[] {
  const doc = parseDocument(text);
  if (doc.errors.length) return [];
  const jobs = doc.get('jobs');
  if (!isMap(jobs)) return [];
  return jobs.items.map(pair => {
    const id = scalarValue(pair.key);
    const job = pair.value;
    const needsNode = isMap(job) ? job.get('needs') : undefined;
    let needs: string[] = [];
    if (isSeq(needsNode)) needs = needsNode.items.map(scalarValue);
    else if (typeof needsNode === 'string') needs = [needsNode];
    const stepsNode = isMap(job) ? job.get('steps') : undefined;
    const steps = isSeq(stepsNode)
      ? stepsNode.items.map((step, index) => {
          if (!isMap(step)) return `step ${index + 1}`;
          const name = step.get('name') ?? step.get('run') ?? step.get('uses');
          return String(name ?? `step ${index + 1}`).split('\n')[0];
        })
      : [];
    return { id, needs, steps };
  });
}

export function addJob(text: string, jobId: string): string {
  if (!JOB_ID.test(jobId)) {
    throw new Error(
      `"${jobId}" is not a valid job id: letters, digits, "-" and "_", starting with a letter or digit`,
    );
  }
  const doc = load(text);
  if (doc.hasIn(['jobs', jobId])) {
    throw new Error(`There is already a job "${jobId}"`);
  }
  doc.setIn(
    ['jobs', jobId],
    doc.createNode({ steps: [{ name: 'Step 1', run: 'echo "hello"' }] }),
  );
  return doc.toString();
}

export function removeJob(text: string, jobId: string): string {
  const doc = load(text);
  doc.deleteIn(['jobs', jobId]);
  const jobs = doc.get('jobs');
  if (isMap(jobs)) {
    for (const pair of jobs.items) {
      const needs = isMap(pair.value) ? pair.value.get('needs') : undefined;
      if (isSeq(needs)) {
        needs.items = needs.items.filter(item => scalarValue(item) !== jobId);
      }
    }
  }
  return doc.toString();
}

/** A step the builder adds: a script (`run`) or a registered step type (`uses`). */
export type NewStep =
  | { name: string; run: string }
  | { name: string; uses: string };

/** Adds a step to a job, at the end or before the step at `index`. */
export function addStep(
  text: string,
  jobId: string,
  step: NewStep,
  index?: number,
): string {
  const doc = load(text);
  const job = doc.getIn(['jobs', jobId]);
  if (!isMap(job)) throw new Error(`No job "${jobId}"`);
  if (job.has('approval')) {
    throw new Error(`Job "${jobId}" is an approval and cannot have steps`);
  }
  const steps = job.get('steps');
  if (isSeq(steps)) {
    const at =
      index === undefined
        ? steps.items.length
        : Math.max(0, Math.min(index, steps.items.length));
    steps.items.splice(at, 0, doc.createNode(step));
  } else job.set('steps', doc.createNode([step]));
  return doc.toString();
}

/** A job id not used yet: `base`, else `base-2`, `base-3`, … */
export function uniqueJobId(text: string, base = 'job'): string {
  const ids = new Set(readJobs(text).map(job => job.id));
  if (!ids.has(base)) return base;
  let n = 2;
  while (ids.has(`${base}-${n}`)) n++;
  return `${base}-${n}`;
}

/**
 * The step a palette adds: a script, or the first known step type (a placeholder the
 * validation flags when none is known, to be replaced in the YAML).
 */
export function newStep(
  kind: 'run' | 'uses',
  stepTypes: readonly string[] = [],
): NewStep {
  return kind === 'run'
    ? { name: 'New step', run: 'echo "hello"' }
    : { name: 'New step', uses: stepTypes[0] ?? 'owner/step-type' };
}

/** Moves the step at `from` of a job to `to` (both indexes in the job's steps). */
export function moveStep(
  text: string,
  jobId: string,
  from: number,
  to: number,
): string {
  const doc = load(text);
  const steps = doc.getIn(['jobs', jobId, 'steps']);
  if (!isSeq(steps)) throw new Error(`Job "${jobId}" has no steps`);
  const count = steps.items.length;
  if (from < 0 || from >= count) {
    throw new Error(`Job "${jobId}" has no step ${from + 1}`);
  }
  const target = Math.max(0, Math.min(to, count - 1));
  if (target === from) return text;
  const [item] = steps.items.splice(from, 1);
  steps.items.splice(target, 0, item);
  return doc.toString();
}

export function removeStep(text: string, jobId: string, index: number) {
  const doc = load(text);
  doc.deleteIn(['jobs', jobId, 'steps', index]);
  return doc.toString();
}

/** Adds or removes `needId` in the needs of `jobId`. */
export function toggleNeed(text: string, jobId: string, needId: string) {
  const doc = load(text);
  const job = doc.getIn(['jobs', jobId]);
  if (!isMap(job)) throw new Error(`No job "${jobId}"`);
  const needs = (job as YAMLMap).get('needs');
  if (isSeq(needs)) {
    const index = needs.items.findIndex(item => scalarValue(item) === needId);
    if (index === -1) needs.add(doc.createNode(needId));
    else needs.items.splice(index, 1);
    if (!needs.items.length) job.delete('needs');
  } else {
    const seq = doc.createNode([needId]) as YAMLSeq;
    seq.flow = true;
    job.set('needs', seq);
  }
  return doc.toString();
}

/** Makes `jobId` need `needId` (a drawn edge); no change when it already does. */
export function addNeed(text: string, jobId: string, needId: string) {
  if (jobId === needId) return text;
  const current = readJobs(text).find(job => job.id === jobId);
  if (current?.needs.includes(needId)) return text;
  return toggleNeed(text, jobId, needId);
}
