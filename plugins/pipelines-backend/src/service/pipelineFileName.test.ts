import { pipelineFileName } from './pipelineFileName';

describe('pipelineFileName', () => {
  it.each([
    ['name: ci\njobs: {}\n', 'ci'],
    ['# CI\nname:   Build and test   \n', 'Build and test'],
    ['name: release # the tagged build\n', 'release'],
    ['name: C# build\n', 'C# build'],
    ['name: "Nightly: full"\n', 'Nightly: full'],
    ["name: 'it''s ci' # quoted\n", "it's ci"],
    ['---\nname: docs\r\non: push\r\n', 'docs'],
    [`name: ${'n'.repeat(300)}\n`, `${'n'.repeat(199)}…`],
  ])('reads the name of %j', (text, name) => {
    expect(pipelineFileName(text)).toBe(name);
  });

  it.each([
    ['no name', 'jobs:\n  build:\n    name: inner\n'],
    ['an empty name', 'name:\njobs: {}\n'],
    ['a block scalar', 'name: |\n  multi\n'],
    ['an alias', 'name: *base\n'],
    ['a flow mapping', 'name: {a: 1}\n'],
    ['a comment only', 'name: # none\n'],
    ['an escape', 'name: "tab\\there"\n'],
    ['text after a quoted value', 'name: "a" b\n'],
    ['an unclosed quote', "name: 'open\n"],
    ['empty quotes', 'name: ""\n'],
  ])('leaves out %s', (_what, text) => {
    expect(pipelineFileName(text)).toBeUndefined();
  });
});
