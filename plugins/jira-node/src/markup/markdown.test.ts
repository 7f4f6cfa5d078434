import { adfToPlainText } from './adf';
import { adfToMarkdown, markdownToAdf } from './markdown';

const text = (t: string, ...marks: string[]) =>
  marks.length
    ? { type: 'text', text: t, marks: marks.map(type => ({ type })) }
    : { type: 'text', text: t };

describe('markdownToAdf', () => {
  it('writes headings, paragraphs with line breaks and inline marks', () => {
    expect(
      markdownToAdf(
        '## Checkout fails\n\nWith **Visa** and *3-D Secure*, `POST /pay`\nreturns ~~200~~ 502.',
      ),
    ).toEqual({
      type: 'doc',
      version: 1,
      content: [
        {
          type: 'heading',
          attrs: { level: 2 },
          content: [text('Checkout fails')],
        },
        {
          type: 'paragraph',
          content: [
            text('With '),
            text('Visa', 'strong'),
            text(' and '),
            text('3-D Secure', 'em'),
            text(', '),
            text('POST /pay', 'code'),
            { type: 'hardBreak' },
            text('returns '),
            text('200', 'strike'),
            text(' 502.'),
          ],
        },
      ],
    });
  });

  it('writes links, autolinks and bare URLs with the link mark', () => {
    const doc = markdownToAdf(
      'See [the runbook](https://wiki.example.com/run?id=1), <https://a.example.com> and https://b.example.com/x.',
    );
    expect(doc.content[0].content).toEqual([
      text('See '),
      {
        type: 'text',
        text: 'the runbook',
        marks: [
          {
            type: 'link',
            attrs: { href: 'https://wiki.example.com/run?id=1' },
          },
        ],
      },
      text(', '),
      {
        type: 'text',
        text: 'https://a.example.com',
        marks: [{ type: 'link', attrs: { href: 'https://a.example.com' } }],
      },
      text(' and '),
      {
        type: 'text',
        text: 'https://b.example.com/x',
        marks: [{ type: 'link', attrs: { href: 'https://b.example.com/x' } }],
      },
      text('.'),
    ]);
  });

  it('nests bold and italic, and leaves snake_case and lone stars alone', () => {
    expect(markdownToAdf('**bold *both***').content[0].content).toEqual([
      text('bold ', 'strong'),
      {
        type: 'text',
        text: 'both',
        marks: [{ type: 'strong' }, { type: 'em' }],
      },
    ]);
    expect(
      markdownToAdf('snake_case_name and 2 * 3 * 4').content[0].content,
    ).toEqual([text('snake_case_name and 2 * 3 * 4')]);
    expect(markdownToAdf('\\*not italic\\*').content[0].content).toEqual([
      text('*not italic*'),
    ]);
  });

  it('writes bullet and ordered lists, nested, and code blocks with their language', () => {
    const doc = markdownToAdf(
      '- one\n- two\n  1. first\n  2. second\n\n3. three\n4. four\n\n```ts\nconst x = a * b;\n```',
    );
    expect(doc.content).toEqual([
      {
        type: 'bulletList',
        content: [
          {
            type: 'listItem',
            content: [{ type: 'paragraph', content: [text('one')] }],
          },
          {
            type: 'listItem',
            content: [
              { type: 'paragraph', content: [text('two')] },
              {
                type: 'orderedList',
                content: [
                  {
                    type: 'listItem',
                    content: [{ type: 'paragraph', content: [text('first')] }],
                  },
                  {
                    type: 'listItem',
                    content: [{ type: 'paragraph', content: [text('second')] }],
                  },
                ],
              },
            ],
          },
        ],
      },
      {
        type: 'orderedList',
        attrs: { order: 3 },
        content: [
          {
            type: 'listItem',
            content: [{ type: 'paragraph', content: [text('three')] }],
          },
          {
            type: 'listItem',
            content: [{ type: 'paragraph', content: [text('four')] }],
          },
        ],
      },
      {
        type: 'codeBlock',
        attrs: { language: 'ts' },
        content: [text('const x = a * b;')],
      },
    ]);
  });

  it('writes quotes, rules and tables', () => {
    expect(
      markdownToAdf('> quoted\n\n---\n\n| a | b |\n|---|:-:|\n| 1 | 2 \\| 3 |')
        .content,
    ).toEqual([
      {
        type: 'blockquote',
        content: [{ type: 'paragraph', content: [text('quoted')] }],
      },
      { type: 'rule' },
      {
        type: 'table',
        content: [
          {
            type: 'tableRow',
            content: ['a', 'b'].map(c => ({
              type: 'tableHeader',
              content: [{ type: 'paragraph', content: [text(c)] }],
            })),
          },
          {
            type: 'tableRow',
            content: ['1', '2 | 3'].map(c => ({
              type: 'tableCell',
              content: [{ type: 'paragraph', content: [text(c)] }],
            })),
          },
        ],
      },
    ]);
  });

  it('keeps an unclosed fence to the end and an empty document empty', () => {
    expect(markdownToAdf('```\nnever closed').content).toEqual([
      { type: 'codeBlock', content: [text('never closed')] },
    ]);
    expect(markdownToAdf('')).toEqual({ type: 'doc', version: 1, content: [] });
  });
});

describe('adfToMarkdown', () => {
  it('round-trips what markdownToAdf writes', () => {
    const markdown = [
      '# Checkout fails',
      '',
      'With **Visa** and *3-D Secure*, `POST /pay`  ',
      'returns ~~200~~ 502, see [runbook](https://wiki.example.com/a).',
      '',
      '- one **bold *both***',
      '- two',
      '  1. first',
      '  2. second',
      '',
      '```ts',
      'const x = a * b;',
      '```',
      '',
      '> quoted *text*',
      '',
      '---',
      '',
      '| a | b |',
      '| --- | --- |',
      '| 1 | 2 |',
    ].join('\n');
    expect(adfToMarkdown(markdownToAdf(markdown))).toBe(markdown);
  });

  it('escapes text that would read as Markdown', () => {
    const doc = {
      type: 'doc' as const,
      version: 1 as const,
      content: [
        {
          type: 'paragraph',
          content: [text('# not a heading, *not em*, [x], _y_, a_b')],
        },
        { type: 'paragraph', content: [text('1. not a list')] },
      ],
    };
    const markdown = adfToMarkdown(doc);
    expect(markdown).toBe(
      '\\# not a heading, \\*not em\\*, \\[x\\], \\_y\\_, a_b\n\n1\\. not a list',
    );
    expect(markdownToAdf(markdown)).toEqual(doc);
  });

  it('writes what Jira Cloud adds beyond Markdown readably', () => {
    expect(
      adfToMarkdown({
        type: 'doc',
        version: 1,
        content: [
          {
            type: 'panel',
            attrs: { panelType: 'info' },
            content: [{ type: 'paragraph', content: [text('Heads up')] }],
          },
          {
            type: 'paragraph',
            content: [
              { type: 'mention', attrs: { id: 'abc', text: '@Alan Turing' } },
              text(' '),
              { type: 'emoji', attrs: { shortName: ':smile:', text: '😄' } },
              text(' '),
              { type: 'inlineCard', attrs: { url: 'https://example.com/x' } },
              text(' '),
              { type: 'status', attrs: { text: 'BLOCKED' } },
              text(' '),
              { type: 'date', attrs: { timestamp: '1717200000000' } },
            ],
          },
          {
            type: 'taskList',
            content: [
              {
                type: 'taskItem',
                attrs: { state: 'DONE' },
                content: [text('shipped')],
              },
              {
                type: 'taskItem',
                attrs: { state: 'TODO' },
                content: [text('announce')],
              },
            ],
          },
          {
            type: 'mediaSingle',
            content: [{ type: 'media', attrs: { id: 'x' } }],
          },
          {
            type: 'expand',
            attrs: { title: 'Logs' },
            content: [{ type: 'codeBlock', content: [text('a ``` b')] }],
          },
        ],
      }),
    ).toBe(
      [
        '> Heads up',
        '',
        '@Alan Turing 😄 <https://example.com/x> \\[BLOCKED\\] 2024-06-01',
        '',
        '- [x] shipped',
        '- [ ] announce',
        '',
        '*(attachment)*',
        '',
        '**Logs**',
        '',
        '````',
        'a ``` b',
        '````',
      ].join('\n'),
    );
  });

  it('answers an empty string for nothing', () => {
    expect(adfToMarkdown(undefined)).toBe('');
    expect(adfToMarkdown(null)).toBe('');
  });
});

describe('adfToPlainText', () => {
  it('flattens a document to its text, blocks on lines', () => {
    expect(
      adfToPlainText(
        markdownToAdf('# Title\n\nHello **world**\nnext\n\n- a\n- b'),
      ),
    ).toBe('Title\nHello world\nnext\na\nb');
    expect(
      adfToPlainText({
        type: 'paragraph',
        content: [
          { type: 'mention', attrs: { text: '@Alan' } },
          { type: 'text', text: ' ' },
          { type: 'emoji', attrs: { shortName: ':x:' } },
          { type: 'inlineCard', attrs: { url: 'https://e.example.com' } },
        ],
      }),
    ).toBe('@Alan :x:https://e.example.com');
    expect(adfToPlainText(undefined)).toBe('');
  });
});
