import {
  chooseLocator,
  describeLocator,
  isFragileLocator,
  renderLocator,
  slugForTestId,
  tsString,
} from './locators';
import type { TestLocator } from './steps';

describe('renderLocator', () => {
  it.each<[TestLocator, string]>([
    [{ kind: 'testId', value: 'cart' }, "page.getByTestId('cart')"],
    [
      { kind: 'role', role: 'button', name: 'Pay now', exact: true },
      "page.getByRole('button', { name: 'Pay now', exact: true })",
    ],
    [
      { kind: 'role', role: 'button', name: 'Pay' },
      "page.getByRole('button', { name: 'Pay' })",
    ],
    [
      { kind: 'role', role: 'heading', exact: true },
      "page.getByRole('heading')",
    ],
    [
      { kind: 'placeholder', value: 'Search' },
      "page.getByPlaceholder('Search')",
    ],
    [
      { kind: 'label', value: 'Email', exact: true },
      "page.getByLabel('Email', { exact: true })",
    ],
    [
      { kind: 'altText', value: 'Logo', exact: false },
      "page.getByAltText('Logo')",
    ],
    [{ kind: 'text', value: 'Welcome' }, "page.getByText('Welcome')"],
    [{ kind: 'title', value: 'Close' }, "page.getByTitle('Close')"],
    [{ kind: 'css', value: '#x', nth: 2 }, "page.locator('#x').nth(2)"],
    [{ kind: 'text', value: 'Row', nth: 0 }, "page.getByText('Row').first()"],
  ])('renders %j', (locator, code) => {
    expect(renderLocator(locator)).toBe(code);
  });

  it('uses the given root', () => {
    expect(renderLocator({ kind: 'testId', value: 'x' }, 'frame')).toBe(
      "frame.getByTestId('x')",
    );
  });

  it('escapes strings so they cannot end the literal or the line', () => {
    const code = renderLocator({
      kind: 'text',
      value: "It's a \\ test\n\r\t\u0001\u2028 ok",
    });
    expect(code).toBe(
      "page.getByText('It\\'s a \\\\ test\\n\\r\\t\\u0001\\u2028 ok')",
    );
    // The literal evaluates back to the original text.
    const literal = code.slice('page.getByText('.length, -1);
    // eslint-disable-next-line no-new-func
    expect(new Function(`return ${literal};`)()).toBe(
      "It's a \\ test\n\r\t\u0001\u2028 ok",
    );
  });
});

describe('tsString', () => {
  it('round-trips any text through JavaScript', () => {
    for (const text of [
      '',
      "'",
      "\\'",
      '€ and 😀',
      '\u007f\u2029',
      '</script>',
    ]) {
      // eslint-disable-next-line no-new-func
      expect(new Function(`return ${tsString(text)};`)()).toBe(text);
    }
  });
});

describe('describeLocator', () => {
  it.each<[TestLocator, string]>([
    [{ kind: 'role', role: 'button', name: 'Pay now' }, 'button "Pay now"'],
    [{ kind: 'role', role: 'heading' }, 'heading'],
    [{ kind: 'testId', value: 'cart' }, 'test id "cart"'],
    [{ kind: 'placeholder', value: 'Search' }, 'placeholder "Search"'],
    [{ kind: 'label', value: 'Email' }, 'label "Email"'],
    [{ kind: 'altText', value: 'Logo' }, 'alt text "Logo"'],
    [{ kind: 'text', value: 'Say "hi"' }, 'text "Say \\"hi\\""'],
    [{ kind: 'title', value: 'Close' }, 'title "Close"'],
    [{ kind: 'css', value: '.row', nth: 2 }, 'css ".row" (nth 2)'],
  ])('describes %j', (locator, text) => {
    expect(describeLocator(locator)).toBe(text);
  });

  it('keeps long or multi-line text to one short line', () => {
    const text = describeLocator({
      kind: 'text',
      value: `Line one\n  ${'x'.repeat(100)}`,
    });
    expect(text).toBe(`text "Line one ${'x'.repeat(50)}…"`);
  });
});

describe('isFragileLocator', () => {
  it('flags css and positional locators', () => {
    expect(isFragileLocator({ kind: 'css', value: '#a' })).toBe(true);
    expect(isFragileLocator({ kind: 'role', role: 'row', nth: 0 })).toBe(true);
    expect(isFragileLocator({ kind: 'testId', value: 'a' })).toBe(false);
  });
});

describe('chooseLocator', () => {
  it('prefers unique locators in Playwright order and keeps two fallbacks', () => {
    const chosen = chooseLocator([
      { locator: { kind: 'css', value: 'form > button' }, count: 1 },
      { locator: { kind: 'text', value: 'Pay now' }, count: 1 },
      { locator: { kind: 'role', role: 'button', name: 'Pay' }, count: 3 },
      {
        locator: { kind: 'role', role: 'button', name: 'Pay now', exact: true },
        count: 1,
      },
      { locator: { kind: 'title', value: 'Pay' }, count: 1 },
    ]);
    expect(chosen).toEqual({
      target: {
        locator: { kind: 'role', role: 'button', name: 'Pay now', exact: true },
        fallbacks: [
          { kind: 'text', value: 'Pay now' },
          { kind: 'title', value: 'Pay' },
        ],
        description: 'button "Pay now"',
      },
    });
  });

  it('keeps input order among locators of one kind and drops duplicates', () => {
    const chosen = chooseLocator(
      [
        { locator: { kind: 'testId', value: 'b' }, count: 1 },
        { locator: { kind: 'testId', value: 'a' }, count: 1 },
        { locator: { kind: 'testId', value: 'b' }, count: 1 },
        { locator: { kind: 'label', value: 'A' }, count: 1 },
      ],
      { maxFallbacks: 5 },
    );
    expect(chosen?.target.locator).toEqual({ kind: 'testId', value: 'b' });
    expect(chosen?.target.fallbacks).toEqual([
      { kind: 'testId', value: 'a' },
      { kind: 'label', value: 'A' },
    ]);
  });

  it('leaves fallbacks out when none are wanted or left', () => {
    const candidates = [
      { locator: { kind: 'testId', value: 'a' } as TestLocator, count: 1 },
      { locator: { kind: 'label', value: 'A' } as TestLocator, count: 1 },
    ];
    expect(chooseLocator(candidates, { maxFallbacks: 0 })?.target).toEqual({
      locator: { kind: 'testId', value: 'a' },
      description: 'test id "a"',
    });
    expect(
      chooseLocator(candidates.slice(0, 1))?.target.fallbacks,
    ).toBeUndefined();
  });

  it('flags a unique CSS selector with a test id suggestion from the text', () => {
    const chosen = chooseLocator(
      [
        { locator: { kind: 'css', value: '#pay-1' }, count: 1 },
        { locator: { kind: 'text', value: 'Pay now!' }, count: 2 },
      ],
      { testIdAttribute: 'data-qa' },
    );
    expect(chosen).toEqual({
      target: {
        locator: { kind: 'css', value: '#pay-1' },
        description: 'css "#pay-1"',
      },
      fragile: {
        reason:
          'Only a CSS selector identifies this element; it breaks when the markup changes',
        suggestion: 'Add data-qa="pay-now" to this element',
      },
    });
  });

  it('narrows the most preferred ambiguous locator by position when none is unique', () => {
    const chosen = chooseLocator([
      { locator: { kind: 'css', value: 'li', nth: 4 }, count: 9 },
      { locator: { kind: 'text', value: 'Remove' }, count: 3 },
      {
        locator: { kind: 'role', role: 'button', name: 'Remove', nth: 2 },
        count: 3,
      },
      { locator: { kind: 'label', value: 'Item' }, count: 0 },
    ]);
    expect(chosen).toEqual({
      target: {
        locator: { kind: 'role', role: 'button', name: 'Remove', nth: 2 },
        fallbacks: [{ kind: 'css', value: 'li', nth: 4 }],
        description: 'button "Remove" (nth 2)',
      },
      fragile: {
        reason:
          'No locator matches only this element: button "Remove" matches 3 elements, so the step picks match 3 by position',
        suggestion: 'Add data-testid="remove" to this element',
      },
    });
  });

  it('adds nth 0 when the caller gave no position', () => {
    const chosen = chooseLocator([
      { locator: { kind: 'role', role: 'row' }, count: 4 },
    ]);
    expect(chosen?.target.locator).toEqual({
      kind: 'role',
      role: 'row',
      nth: 0,
    });
    expect(chosen?.fragile?.suggestion).toBe(
      'Add data-testid="row" to this element',
    );
  });

  it('suggests a generic name when the element has no text', () => {
    const chosen = chooseLocator([
      { locator: { kind: 'css', value: 'div > span' }, count: 1 },
    ]);
    expect(chosen?.fragile?.suggestion).toBe(
      'Add data-testid="element" to this element',
    );
  });

  it('returns undefined when nothing matches', () => {
    expect(chooseLocator([])).toBeUndefined();
    expect(
      chooseLocator([{ locator: { kind: 'testId', value: 'gone' }, count: 0 }]),
    ).toBeUndefined();
  });
});

describe('slugForTestId', () => {
  it('makes attribute-friendly slugs', () => {
    expect(slugForTestId('  Crème brûlée — 2 for €5 ')).toBe(
      'creme-brulee-2-for-5',
    );
    expect(slugForTestId('!!!')).toBe('');
    expect(slugForTestId(`${'word '.repeat(20)}`)).toBe(
      'word-word-word-word-word-word-word-word',
    );
  });
});
