import { LOCATOR_PREFERENCE, type TestLocator, type TestTarget } from './steps';

/** `s` as a single-quoted TypeScript string literal, safe for any content. */
export function tsString(value: string): string {
  let text = "'";
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === "'" || char === '\\') {
      text += `\\${char}`;
    } else if (char === '\n') {
      text += '\\n';
    } else if (char === '\r') {
      text += '\\r';
    } else if (char === '\t') {
      text += '\\t';
    } else if (
      code < 0x20 ||
      code === 0x7f ||
      code === 0x2028 ||
      code === 0x2029
    ) {
      text += `\\u${code.toString(16).padStart(4, '0')}`;
    } else {
      text += char;
    }
  }
  return `${text}'`;
}

const GET_BY: Record<Exclude<TestLocator['kind'], 'role' | 'css'>, string> = {
  testId: 'getByTestId',
  placeholder: 'getByPlaceholder',
  label: 'getByLabel',
  altText: 'getByAltText',
  text: 'getByText',
  title: 'getByTitle',
};

/** Playwright code for a locator: `page.getByRole('button', { name: 'Pay now', exact: true })`. */
export function renderLocator(locator: TestLocator, root = 'page'): string {
  let code: string;
  switch (locator.kind) {
    case 'role': {
      const options: string[] = [];
      if (locator.name !== undefined) {
        options.push(`name: ${tsString(locator.name)}`);
        if (locator.exact) {
          options.push('exact: true');
        }
      }
      code = `${root}.getByRole(${tsString(locator.role)}${
        options.length ? `, { ${options.join(', ')} }` : ''
      })`;
      break;
    }
    case 'css':
      code = `${root}.locator(${tsString(locator.value)})`;
      break;
    case 'testId':
      code = `${root}.getByTestId(${tsString(locator.value)})`;
      break;
    default:
      code = `${root}.${GET_BY[locator.kind]}(${tsString(locator.value)}${
        locator.exact ? ', { exact: true }' : ''
      })`;
  }
  if (locator.nth !== undefined) {
    code += locator.nth === 0 ? '.first()' : `.nth(${locator.nth})`;
  }
  return code;
}

/** A value for one-line descriptions: whitespace collapsed, long text cut with an ellipsis. */
export function quoteForHumans(value: string, maxLength = 60): string {
  const collapsed = value.replace(/\s+/g, ' ').trim();
  const cut =
    [...collapsed].length > maxLength
      ? `${[...collapsed].slice(0, maxLength - 1).join('')}…`
      : collapsed;
  return JSON.stringify(cut);
}

const KIND_NAMES: Record<Exclude<TestLocator['kind'], 'role'>, string> = {
  testId: 'test id',
  placeholder: 'placeholder',
  label: 'label',
  altText: 'alt text',
  text: 'text',
  title: 'title',
  css: 'css',
};

/** A locator for humans: `button "Pay now"`, `test id "cart"`, `css ".row" (nth 2)`. */
export function describeLocator(locator: TestLocator): string {
  let text: string;
  if (locator.kind === 'role') {
    text =
      locator.name === undefined
        ? locator.role
        : `${locator.role} ${quoteForHumans(locator.name)}`;
  } else {
    text = `${KIND_NAMES[locator.kind]} ${quoteForHumans(locator.value)}`;
  }
  return locator.nth === undefined ? text : `${text} (nth ${locator.nth})`;
}

/** A CSS selector or a position among several matches breaks when the page's layout changes. */
export function isFragileLocator(locator: TestLocator): boolean {
  return locator.kind === 'css' || locator.nth !== undefined;
}

export type LocatorCandidate = {
  locator: TestLocator;
  /** How many elements on the page the locator matches (without `nth`). */
  count: number;
};

export type ChooseLocatorOptions = {
  /** How many other unique locators to keep as fallbacks (2). */
  maxFallbacks?: number;
  /** The attribute the suggestion names (`data-testid`). */
  testIdAttribute?: string;
};

export type ChosenLocator = {
  target: TestTarget;
  /** Set when only a CSS selector or a position identifies the element. */
  fragile?: { reason: string; suggestion: string };
};

function preferenceOf(locator: TestLocator): number {
  return LOCATOR_PREFERENCE.indexOf(locator.kind);
}

/** Candidates ordered by locator preference; equal kinds keep their input order. */
function byPreference(candidates: LocatorCandidate[]): LocatorCandidate[] {
  return candidates
    .map((candidate, index) => ({ candidate, index }))
    .sort(
      (a, b) =>
        preferenceOf(a.candidate.locator) - preferenceOf(b.candidate.locator) ||
        a.index - b.index,
    )
    .map(entry => entry.candidate);
}

/** A test id value made from the element's visible name: `Pay now!` → `pay-now`. */
export function slugForTestId(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
}

function suggestedSlug(candidates: LocatorCandidate[]): string {
  const names: string[] = [];
  for (const kind of [
    'role',
    'text',
    'label',
    'placeholder',
    'altText',
    'title',
  ] as const) {
    for (const { locator } of candidates) {
      if (locator.kind !== kind) continue;
      const name = locator.kind === 'role' ? locator.name : locator.value;
      if (name !== undefined) names.push(name);
    }
  }
  for (const { locator } of candidates) {
    if (locator.kind === 'role') names.push(locator.role);
  }
  for (const name of names) {
    const slug = slugForTestId(name);
    if (slug) return slug;
  }
  return 'element';
}

/**
 * The best locator for a recorded element and its fallbacks, from candidates the page was asked
 * about. A locator matching exactly one element wins, in LOCATOR_PREFERENCE order; when none
 * does, the most preferred one is narrowed by the element's position (`nth`, which the caller
 * sets on candidates with count > 1; 0 when it did not) and flagged as fragile.
 */
export function chooseLocator(
  candidates: LocatorCandidate[],
  options?: ChooseLocatorOptions,
): ChosenLocator | undefined {
  const maxFallbacks = options?.maxFallbacks ?? 2;
  const testIdAttribute = options?.testIdAttribute ?? 'data-testid';

  const unique = byPreference(candidates.filter(c => c.count === 1));
  const chosen: TestLocator[] = [];
  const seen = new Set<string>();
  const add = (locator: TestLocator) => {
    const key = renderLocator(locator);
    if (!seen.has(key)) {
      seen.add(key);
      chosen.push(locator);
    }
  };
  let matches = 1;
  if (unique.length > 0) {
    unique.forEach(candidate => add(candidate.locator));
  } else {
    const several = byPreference(candidates.filter(c => c.count > 1));
    if (several.length === 0) {
      return undefined;
    }
    matches = several[0].count;
    add({ ...several[0].locator, nth: several[0].locator.nth ?? 0 });
    // Other positional fallbacks only where the caller knew the element's position.
    several
      .slice(1)
      .filter(candidate => candidate.locator.nth !== undefined)
      .forEach(candidate => add(candidate.locator));
  }

  const [best, ...rest] = chosen;
  const fallbacks = rest.slice(0, Math.max(0, maxFallbacks));
  const target: TestTarget = {
    locator: best,
    description: describeLocator(best),
  };
  if (fallbacks.length > 0) {
    target.fallbacks = fallbacks;
  }
  if (!isFragileLocator(best)) {
    return { target };
  }
  const reason =
    best.nth !== undefined
      ? `No locator matches only this element: ${describeLocator({
          ...best,
          nth: undefined,
        })} matches ${matches} elements, so the step picks match ${
          best.nth + 1
        } by position`
      : 'Only a CSS selector identifies this element; it breaks when the markup changes';
  return {
    target,
    fragile: {
      reason,
      suggestion: `Add ${testIdAttribute}="${suggestedSlug(
        candidates,
      )}" to this element`,
    },
  };
}
