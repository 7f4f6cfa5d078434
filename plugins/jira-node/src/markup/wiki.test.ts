import { adfToWiki, wikiToAdf } from './wiki';
import { bodyToAdf, markdownToWiki, wikiToHtml, wikiToMarkdown } from '.';

const text = (t: string, ...marks: string[]) =>
  marks.length
    ? { type: 'text', text: t, marks: marks.map(type => ({ type })) }
    : { type: 'text', text: t };

describe('Markdown ↔ Jira wiki markup', () => {
  it('writes Markdown as wiki markup', () => {
    expect(
      markdownToWiki(
        [
          '# Title',
          '',
          'Some **bold**, *italic*, ~~gone~~ and `code` with [a link](https://example.com/x).',
          '',
          '- item',
          '  - nested',
          '  1. numbered',
          '- second',
          '',
          '1. one',
          '2. two',
          '',
          '```java',
          'int x = a * b;',
          '```',
          '',
          '> quoted',
          '',
          '---',
        ].join('\n'),
      ),
    ).toBe(
      [
        'h1. Title',
        '',
        'Some *bold*, _italic_, -gone- and {{code}} with [a link|https://example.com/x].',
        '',
        '* item',
        '** nested',
        '*# numbered',
        '* second',
        '',
        '# one',
        '# two',
        '',
        '{code:java}',
        'int x = a * b;',
        '{code}',
        '',
        '{quote}',
        'quoted',
        '{quote}',
        '',
        '----',
      ].join('\n'),
    );
  });

  it('reads wiki markup as Markdown', () => {
    expect(
      wikiToMarkdown(
        [
          'h2. Steps',
          'Open the *checkout* with _Visa_, see [runbook|https://wiki.example.com/run] or [https://status.example.com].',
          'Second line with {{/payments/\\{id\\}}} and -strike- +under+ x ^2^ and ~sub~ ??cite??.',
          '',
          '# first',
          '## nested',
          '# second',
          '',
          '{code:title=Retry.java|language=java}',
          'retry(3);',
          '{code}',
          '{noformat}',
          'raw *text*',
          '{noformat}',
          'bq. a quote',
          '----',
        ].join('\n'),
      ),
    ).toBe(
      [
        '## Steps',
        '',
        'Open the **checkout** with *Visa*, see [runbook](https://wiki.example.com/run) or [https://status.example.com](https://status.example.com).  ',
        'Second line with `/payments/{id}` and ~~strike~~ under x 2 and sub *cite*.',
        '',
        '1. first',
        '   1. nested',
        '2. second',
        '',
        '```java',
        'retry(3);',
        '```',
        '',
        '```',
        'raw *text*',
        '```',
        '',
        '> a quote',
        '',
        '---',
      ].join('\n'),
    );
  });

  it('keeps marks apart from words, dashes and dates', () => {
    expect(
      wikiToAdf('re-run on 2024-05-01 -- a*b*c snake_case_x').content,
    ).toEqual([
      {
        type: 'paragraph',
        content: [text('re-run on 2024-05-01 -- a*b*c snake_case_x')],
      },
    ]);
  });

  it('reads mentions, attachments, colours, quotes, panels, tables and line breaks', () => {
    const doc = wikiToAdf(
      [
        'Ping [~alan.turing] about !screenshot.png|thumbnail! and {color:red}this{color}\\\\next',
        '{quote}',
        'quoted *bold*',
        '{quote}',
        '{panel:title=Note}in a panel{panel}',
        '||Key||Summary||',
        '|PAY-1|[runbook|https://e.example.com/a]|',
        '- dash item',
      ].join('\n'),
    );
    expect(doc.content).toEqual([
      {
        type: 'paragraph',
        content: [
          text('Ping '),
          {
            type: 'mention',
            attrs: { id: 'alan.turing', text: '@alan.turing' },
          },
          text(' about (attachment: screenshot.png) and this'),
          { type: 'hardBreak' },
          text('next'),
        ],
      },
      {
        type: 'blockquote',
        content: [
          {
            type: 'paragraph',
            content: [text('quoted '), text('bold', 'strong')],
          },
        ],
      },
      {
        type: 'blockquote',
        content: [{ type: 'paragraph', content: [text('in a panel')] }],
      },
      {
        type: 'table',
        content: [
          {
            type: 'tableRow',
            content: ['Key', 'Summary'].map(c => ({
              type: 'tableHeader',
              content: [{ type: 'paragraph', content: [text(c)] }],
            })),
          },
          {
            type: 'tableRow',
            content: [
              {
                type: 'tableCell',
                content: [{ type: 'paragraph', content: [text('PAY-1')] }],
              },
              {
                type: 'tableCell',
                content: [
                  {
                    type: 'paragraph',
                    content: [
                      {
                        type: 'text',
                        text: 'runbook',
                        marks: [
                          {
                            type: 'link',
                            attrs: { href: 'https://e.example.com/a' },
                          },
                        ],
                      },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      },
      {
        type: 'bulletList',
        content: [
          {
            type: 'listItem',
            content: [{ type: 'paragraph', content: [text('dash item')] }],
          },
        ],
      },
    ]);
  });

  it('escapes text that would read as wiki markup, and reads it back the same', () => {
    const doc = {
      type: 'doc' as const,
      version: 1 as const,
      content: [
        {
          type: 'paragraph',
          content: [
            text('*not bold* {code} [x|y] _a_ h1. a-b 2024-05-01 \\ x'),
          ],
        },
        { type: 'paragraph', content: [text('* not a list')] },
        { type: 'paragraph', content: [text('h1. not a heading')] },
      ],
    };
    const wiki = adfToWiki(doc);
    expect(wiki).toBe(
      '\\*not bold\\* \\{code\\} \\[x\\|y\\] \\_a\\_ h1. a-b 2024-05-01 \\ x\n\n\\* not a list\n\nh1\\. not a heading',
    );
    expect(wikiToAdf(wiki)).toEqual(doc);
  });

  it('writes tables, code with {code} inside, links equal to their text and Jira-only nodes', () => {
    expect(
      adfToWiki({
        type: 'doc',
        version: 1,
        content: [
          {
            type: 'table',
            content: [
              {
                type: 'tableRow',
                content: [
                  {
                    type: 'tableHeader',
                    content: [{ type: 'paragraph', content: [text('h')] }],
                  },
                ],
              },
              {
                type: 'tableRow',
                content: [
                  {
                    type: 'tableCell',
                    content: [
                      {
                        type: 'paragraph',
                        content: [text('c'), { type: 'hardBreak' }, text('d')],
                      },
                    ],
                  },
                ],
              },
            ],
          },
          { type: 'codeBlock', content: [text('see {code} here')] },
          {
            type: 'paragraph',
            content: [
              { type: 'mention', attrs: { text: '@Alan' } },
              text(' '),
              { type: 'inlineCard', attrs: { url: 'https://e.example.com' } },
              text(' '),
              { type: 'text', text: 'u', marks: [{ type: 'underline' }] },
              {
                type: 'text',
                text: 's',
                marks: [{ type: 'subsup', attrs: { type: 'sup' } }],
              },
            ],
          },
          { type: 'mediaSingle', content: [] },
          {
            type: 'panel',
            content: [{ type: 'paragraph', content: [text('p')] }],
          },
        ],
      }),
    ).toBe(
      [
        '||h||',
        '|c \\\\ d|',
        '',
        '{noformat}',
        'see {code} here',
        '{noformat}',
        '',
        '@Alan [https://e.example.com] +u+^s^',
        '',
        '_(attachment)_',
        '',
        '{quote}',
        'p',
        '{quote}',
      ].join('\n'),
    );
  });

  it('renders wiki as sanitised HTML and reads either body format', () => {
    expect(wikiToHtml('*hi* <script>')).toBe(
      '<p><strong>hi</strong> &lt;script&gt;</p>',
    );
    expect(wikiToHtml(undefined)).toBe('');
    expect(wikiToMarkdown(null)).toBe('');
    expect(bodyToAdf('h1. x')?.content[0].type).toBe('heading');
    expect(bodyToAdf({ type: 'doc', version: 1, content: [] })).toEqual({
      type: 'doc',
      version: 1,
      content: [],
    });
    expect(bodyToAdf(null)).toBeUndefined();
    expect(bodyToAdf('   ')).toBeUndefined();
  });
});
