import { lineShapeHash, normaliseLogLine } from './normalise';

describe('normaliseLogLine', () => {
  it.each([
    [
      '2025-03-11T09:14:05.3391022Z Started at 12:03:12.044',
      '<time> Started at <time>',
    ],
    [
      'request 3f2c1b7a-9d4e-4c2b-8f1a-0e6d5c4b3a21 failed after 1.5s',
      'request <uuid> failed after <duration>',
    ],
    ['commit 9f3c2ab41d7e8a0b and 0x7f3a2c1d9e50', 'commit <hex> and <hex>'],
    [
      'at Object.<anonymous> (/home/runner/work/app/app/src/index.ts:42:7)',
      'at Object.<anonymous> (<path>/index.ts:<line>:<col>)',
    ],
    [
      'wrote C:\\Users\\runneradmin\\AppData\\Local\\Temp\\out.json',
      'wrote <path>\\out.json',
    ],
    [
      'unpacked into tmp-2931-AbCdEf9 and ~/cache/x',
      'unpacked into <tmp> and <path>/x',
    ],
    [
      'src/a.ts(12,5): error TS2322: took 350 ms',
      'src/a.ts(<line>,<col>): error TS2322: took <duration>',
    ],
    [
      'File "app.py", line 27, in main; see config.yaml:14',
      'File "app.py", line <line>, in main; see config.yaml:<line>',
    ],
    ['  two   spaces\tand tabs  ', 'two spaces and tabs'],
    [
      'https://registry.example.org/react/-/react-18.3.1.tgz',
      'https://registry.example.org/react/-/react-18.3.1.tgz',
    ],
  ])('%s', (line, expected) => {
    expect(normaliseLogLine(line)).toBe(expected);
  });
});

describe('lineShapeHash', () => {
  it.each([
    ['PASS src/a.test.ts (5.113 s)', 'PASS src/a.test.ts (12.871 s)'],
    ['asset main.3f2c1b7a.js 812.50 KiB', 'asset main.deadbeef.js 90.01 KiB'],
    [
      'request 3f2c1b7a-9d4e-4c2b-8f1a-0e6d5c4b3a21',
      'request abcdefab-abcd-4c2b-8f1a-abcdefabcdef',
    ],
    [
      'at f (/home/runner/work/a/a/src/x.ts:12:5)',
      'at f (/builds/group/a/src/x.ts:99:1)',
    ],
    ['/tmp/jest_rs/haste-map-abc/file.js', '/tmp/other/dir/file.js'],
    [
      'Downloading x.tgz (sha512-ZDVhMWQzMzQ3MTQzMjkzNjQyOTFjMTFk+abcDEF/ghiJKL==)',
      'Downloading x.tgz (sha512-QWERTYqwertyASDFasdf1234+zxcvZXCV/uiopUIOP==)',
    ],
    ['  indented  \r', 'indented'],
    // Beside a dash, four hex letters are taken for a UUID's part.
    ['face-off', 'fade-off'],
  ])('gives %j and %j the same shape', (a, b) => {
    expect(lineShapeHash(a)).toBe(lineShapeHash(b));
  });

  it.each([
    ['PASS src/a.test.ts', 'FAIL src/a.test.ts'],
    ['at f (/home/x/src/a.ts:1:1)', 'at f (/home/x/src/b.ts:1:1)'],
    ['a deadbeef b', 'a cafe b'],
    ['face off', 'fade off'],
    [
      'https://registry.example.org/react',
      'https://registry.example.org/lodash',
    ],
    ['ThisIsAVeryLongCamelCaseName', 'ThisIsAVeryLongCamelCaseNamf'],
  ])('tells %j and %j apart', (a, b) => {
    expect(lineShapeHash(a)).not.toBe(lineShapeHash(b));
  });

  it('hashes part of a text without copying it, and gives -1 for blank lines', () => {
    const text = 'one\nPASS src/a.test.ts (5 s)\n   \n';
    expect(lineShapeHash(text, 4, 28)).toBe(
      lineShapeHash('PASS src/a.test.ts (9 s)'),
    );
    expect(lineShapeHash(text, 29, 32)).toBe(-1);
    expect(lineShapeHash('')).toBe(-1);
    expect(Number.isSafeInteger(lineShapeHash('x'))).toBe(true);
  });
});
