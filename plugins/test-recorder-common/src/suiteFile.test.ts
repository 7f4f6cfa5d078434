import { fullSuite } from './__fixtures__/suites';
import { TestSuiteValidationError } from './schema';
import { parseJsonWithPositions, parseTestSuiteFile } from './suiteFile';

function errorOf(run: () => unknown): TestSuiteValidationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TestSuiteValidationError);
    return error as TestSuiteValidationError;
  }
  throw new Error('expected an error');
}

describe('parseTestSuiteFile', () => {
  it('reads a suite file with its owner', () => {
    const text = JSON.stringify(
      { entityRef: 'component:default/storefront-web', ...fullSuite },
      null,
      2,
    );
    expect(parseTestSuiteFile(text, 'checkout.json')).toEqual({
      ...fullSuite,
      entityRef: 'component:default/storefront-web',
    });
    expect(
      parseTestSuiteFile(`\uFEFF${JSON.stringify(fullSuite)}`, 'a.json'),
    ).toEqual(fullSuite);
  });

  it('names the file and line of each schema problem, in file order', () => {
    const text = `{
  "name": "checkout",
  "baseUrl": "http://127.0.0.1:4173",
  "entityRef": "not a ref",
  "tests": [
    {
      "id": "pays",
      "name": "Pays",
      "steps": [
        { "id": "s1", "action": "navigate", "url": "/checkout" },
        {
          "id": "s2",
          "action": "click",
          "target": {
            "locator": { "kind": "role", "role": "Button" }
          }
        },
        { "id": "s1", "action": "fill", "target": { "locator": { "kind": "label", "value": "Email" } } }
      ]
    }
  ],
  "secretz": []
}`;
    const error = errorOf(() =>
      parseTestSuiteFile(text, 'suites/checkout.json'),
    );
    expect(error.message).toBe(
      [
        'suites/checkout.json:4: entityRef: must be an entity reference, e.g. component:default/storefront-web',
        'suites/checkout.json:15: tests[0].steps[1].target.locator.role: must be an ARIA role in lower case, e.g. button',
        // A missing key points at the object that lacks it.
        'suites/checkout.json:18: tests[0].steps[2].value: a fill step needs either value or secret',
        'suites/checkout.json:18: tests[0].steps[2].id: step id "s1" is already used by steps[0] of this test',
        'suites/checkout.json:22: secretz: unknown key "secretz"',
      ].join('\n'),
    );
    expect(error.issues[1]).toEqual({
      path: 'tests[0].steps[1].target.locator.role',
      message: 'must be an ARIA role in lower case, e.g. button',
      line: 15,
      column: 50,
    });
  });

  it('points a missing top-level key at the start of the file', () => {
    const error = errorOf(() =>
      parseTestSuiteFile('\n\n  {"name": "x", "tests": []}', 'x.json'),
    );
    expect(error.message).toBe('x.json:3: baseUrl: is required');
    expect(errorOf(() => parseTestSuiteFile('[]', 'x.json')).message).toBe(
      'x.json:1: must be an object, not an array',
    );
    expect(
      errorOf(() =>
        parseTestSuiteFile('{"entityRef": 5, "__proto__": 1}', 'x.json'),
      ).message,
    ).toContain('x.json:1: entityRef: must be an entity reference');
  });

  it.each([
    ['', '1:1: unexpected end of file, expected a value'],
    ['{\n  "name": "x",\n}', '3:1: trailing comma before "}"'],
    ['[1,]', '1:4: trailing comma before "]"'],
    ['{"a": 1 "b": 2}', '1:9: unexpected character "\\"", expected "," or "}"'],
    ['[1 2]', '1:4: unexpected character "2", expected "," or "]"'],
    ['{"a" 1}', '1:6: unexpected character "1", expected ":" after the key'],
    [
      '{a: 1}',
      '1:2: unexpected character "a", expected a key in double quotes',
    ],
    ['{"a": "b', '1:7: unterminated string'],
    [
      '{"a": "b\nc"}',
      '1:9: unterminated string (a line break inside a string must be written \\n)',
    ],
    ['"\t"', '1:2: control character inside a string'],
    ['"\\x"', '1:2: invalid escape sequence in string'],
    ['{"a": 1, "a": 2}', '1:10: duplicate key "a"'],
    ['{"a": tru}', '1:7: unexpected character "t", expected a value'],
    ['{} {}', '1:4: unexpected character "{" after the end of the JSON value'],
    ['01', '1:2: unexpected character "1" after the end of the JSON value'],
  ])(
    'reports the JSON syntax error in %j with file, line and column',
    (text, where) => {
      const error = errorOf(() => parseTestSuiteFile(text, 'bad.json'));
      expect(error.message).toBe(`bad.json:${where}`);
      expect(error.issues).toHaveLength(1);
    },
  );
});

describe('parseJsonWithPositions', () => {
  it('parses what JSON.parse parses, and where each value starts', () => {
    const text =
      '{"a": [1, -2.5e3, true, false, null, "x\\u00e9\\n\\"\\/\\\\\\b\\f\\r\\t"],\r\n "b": {}, "c": []}';
    const { value, positions } = parseJsonWithPositions(text);
    expect(value).toEqual(JSON.parse(text));
    expect(positions.get('')).toEqual({ line: 1, column: 1 });
    expect(positions.get('a[1]')).toEqual({ line: 1, column: 11 });
    expect(positions.get('b')).toEqual({ line: 2, column: 7 });
  });

  it('keeps a __proto__ key as data', () => {
    const { value } = parseJsonWithPositions(
      '{"__proto__": {"polluted": true}}',
    );
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value as object)).toEqual(['__proto__']);
    expect(({} as any).polluted).toBeUndefined();
  });
});
