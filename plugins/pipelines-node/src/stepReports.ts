import { InputError } from '@backstage/errors';
import type {
  PipelineStepReport,
  PipelineStepReportStatus,
  PipelineStepReportValue,
} from '@internal/plugin-pipelines-common';

// The report types live in -common (the run API returns them); step types and listeners find
// them here too.
export type {
  PipelineRunReport,
  PipelineStepReport,
  PipelineStepReportStatus,
  PipelineStepReportValue,
} from '@internal/plugin-pipelines-common';

/** The bounds of a step report; {@link parsePipelineStepReport} enforces them. */
export const PIPELINE_STEP_REPORT_LIMITS = {
  kindLength: 100,
  titleLength: 100,
  summaryLength: 500,
  urlLength: 2048,
  /** UTF-8 bytes of `data` as JSON. */
  dataBytes: 4096,
  /** Nesting of objects and arrays in `data`. */
  dataDepth: 4,
  /** Reports one step may keep (a report with the `kind` and `title` of one kept replaces it). */
  perStep: 10,
  /** Reports one run may keep, across its jobs and steps. */
  perRun: 100,
} as const;

const STATUSES: PipelineStepReportStatus[] = [
  'passed',
  'failed',
  'warning',
  'info',
];
const FIELDS = ['kind', 'title', 'status', 'summary', 'url', 'data'];
const KIND = /^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$/;
// Line breaks and other control characters: a report is one line of plain text
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function describeValue(value: unknown) {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  }
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : typeof value;
}

function oneLine(
  report: Record<string, unknown>,
  field: 'title' | 'summary',
  max: number,
) {
  const value = report[field];
  if (typeof value !== 'string' || !value.trim()) {
    throw new InputError(
      `"${field}" must be a non-empty string, not ${describeValue(value)}`,
    );
  }
  if (CONTROL.test(value)) {
    throw new InputError(
      `"${field}" must be one line of plain text, without line breaks or control characters`,
    );
  }
  const text = value.trim();
  if (text.length > max) {
    throw new InputError(
      `"${field}" must be at most ${max} characters, not ${text.length}`,
    );
  }
  return text;
}

function reportUrl(value: unknown): string {
  let url: URL | undefined;
  if (
    typeof value === 'string' &&
    value.length <= PIPELINE_STEP_REPORT_LIMITS.urlLength
  ) {
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new InputError(
      `"url" must be an absolute http(s) URL of at most ${
        PIPELINE_STEP_REPORT_LIMITS.urlLength
      } characters, not ${describeValue(value)}`,
    );
  }
  if (url.username || url.password) {
    throw new InputError(
      `"url" must not carry credentials (user or password before the host)`,
    );
  }
  return url.toString();
}

function checkData(
  value: unknown,
  path: string,
  depth: number,
): PipelineStepReportValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean')
    return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new InputError(`"${path}" must be a finite number, not ${value}`);
    }
    return value;
  }
  if (typeof value === 'object') {
    if (depth >= PIPELINE_STEP_REPORT_LIMITS.dataDepth) {
      throw new InputError(
        `"${path}" nests deeper than ${PIPELINE_STEP_REPORT_LIMITS.dataDepth} levels of objects and arrays`,
      );
    }
    if (Array.isArray(value)) {
      return value.map((item, index) =>
        checkData(item, `${path}[${index}]`, depth + 1),
      );
    }
    const prototype = Object.getPrototypeOf(value);
    if (prototype === Object.prototype || prototype === null) {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [
          key,
          checkData(item, `${path}.${key}`, depth + 1),
        ]),
      );
    }
  }
  throw new InputError(
    `"${path}" must hold only strings, numbers, booleans, null, arrays and plain objects, not ${describeValue(
      value,
    )}`,
  );
}

function reportData(value: unknown) {
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    (Object.getPrototypeOf(value) !== Object.prototype &&
      Object.getPrototypeOf(value) !== null)
  ) {
    throw new InputError(
      `"data" must be a plain JSON object, not ${describeValue(value)}`,
    );
  }
  const data = checkData(value, 'data', 0) as Record<
    string,
    PipelineStepReportValue
  >;
  const bytes = Buffer.byteLength(JSON.stringify(data), 'utf8');
  if (bytes > PIPELINE_STEP_REPORT_LIMITS.dataBytes) {
    throw new InputError(
      `"data" must be at most ${PIPELINE_STEP_REPORT_LIMITS.dataBytes} bytes as JSON, not ${bytes}`,
    );
  }
  return data;
}

/**
 * Checks a step report and returns it as it is kept: title and summary trimmed, the URL
 * normalised, `data` copied as plain JSON. Throws an `InputError` naming the field that is
 * wrong (the engine adds the step). Step-type authors can call it in their tests.
 */
export function parsePipelineStepReport(value: unknown): PipelineStepReport {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(
      `A step report must be an object with kind, title, status and summary, not ${describeValue(
        value,
      )}`,
    );
  }
  const report = value as Record<string, unknown>;
  const unknown = Object.keys(report).filter(key => !FIELDS.includes(key));
  if (unknown.length > 0) {
    throw new InputError(
      `Unknown field(s) ${unknown
        .map(key => `"${key}"`)
        .join(', ')}: a step report has ${FIELDS.join(', ')}`,
    );
  }
  const { kind, status } = report;
  if (
    typeof kind !== 'string' ||
    kind.length > PIPELINE_STEP_REPORT_LIMITS.kindLength ||
    !KIND.test(kind)
  ) {
    throw new InputError(
      `"kind" must be "<plugin>.<name>" in lower-case letters, digits and dashes (e.g. "sonarqube.quality-gate"), at most ${
        PIPELINE_STEP_REPORT_LIMITS.kindLength
      } characters, not ${describeValue(kind)}`,
    );
  }
  if (!STATUSES.includes(status as PipelineStepReportStatus)) {
    throw new InputError(
      `"status" must be one of ${STATUSES.join(', ')}, not ${describeValue(
        status,
      )}`,
    );
  }
  return {
    kind,
    title: oneLine(report, 'title', PIPELINE_STEP_REPORT_LIMITS.titleLength),
    status: status as PipelineStepReportStatus,
    summary: oneLine(
      report,
      'summary',
      PIPELINE_STEP_REPORT_LIMITS.summaryLength,
    ),
    ...(report.url !== undefined ? { url: reportUrl(report.url) } : {}),
    ...(report.data !== undefined ? { data: reportData(report.data) } : {}),
  };
}
