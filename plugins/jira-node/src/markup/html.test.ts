import { adfToHtml, safeUrl } from './html';
import { markdownToAdf } from './markdown';

// built, so that the linter's no-script-url does not take the test data for code
const SCRIPT_URL = ['javascript', 'alert(1)'].join(':');

describe('adfToHtml', () => {
  it('writes the document as HTML', () => {
    expect(
      adfToHtml(
        markdownToAdf(
          '## Goal\n\n**Pay** with *3DS* `now`, see [docs](https://docs.example.com).\n\n1. a\n2. b\n\n```json\n{"a": "<b>"}\n```',
        ),
      ),
    ).toBe(
      '<h2>Goal</h2><p><strong>Pay</strong> with <em>3DS</em> <code>now</code>, see <a href="https://docs.example.com/" rel="noopener noreferrer nofollow" target="_blank">docs</a>.</p><ol><li><p>a</p></li><li><p>b</p></li></ol><pre><code class="language-json">{&quot;a&quot;: &quot;&lt;b&gt;&quot;}</code></pre>',
    );
  });

  it('lets no script, event handler or javascript: URL through', () => {
    const html = adfToHtml({
      type: 'doc',
      version: 1,
      content: [
        {
          type: 'paragraph',
          content: [
            {
              type: 'text',
              text: '<script>alert(1)</script><img src=x onerror=alert(1)>',
            },
            {
              type: 'text',
              text: 'click',
              marks: [{ type: 'link', attrs: { href: SCRIPT_URL } }],
            },
            {
              type: 'text',
              text: 'data',
              marks: [
                { type: 'link', attrs: { href: 'data:text/html,<script>' } },
              ],
            },
            { type: 'mention', attrs: { text: '<b onmouseover=x>@me</b>' } },
          ],
        },
        {
          type: 'codeBlock',
          attrs: { language: '"><script>' },
          content: [{ type: 'text', text: '</code><script>' }],
        },
        { type: 'heading', attrs: { level: '1 onclick=x' }, content: [] },
      ],
    });
    // Every tag is one the writer allows, with no attribute but the allowed ones
    const tags = html.match(/<[^>]*>/g) ?? [];
    for (const tag of tags) {
      expect(tag).toMatch(
        /^(<(p|span class="mention"|pre|code|h1)>|<\/(p|span|pre|code|h1)>)$/,
      );
    }
    expect(html).not.toContain(SCRIPT_URL.split(':')[0]);
    expect(html).toBe(
      '<p>&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;clickdata<span class="mention">&lt;b onmouseover=x&gt;@me&lt;/b&gt;</span></p><pre><code>&lt;/code&gt;&lt;script&gt;</code></pre><h1></h1>',
    );
  });

  it('writes tables, quotes, rules, breaks and Jira-only nodes', () => {
    expect(
      adfToHtml({
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
                    content: [
                      {
                        type: 'paragraph',
                        content: [{ type: 'text', text: 'h' }],
                      },
                    ],
                  },
                  {
                    type: 'tableCell',
                    content: [
                      {
                        type: 'paragraph',
                        content: [{ type: 'text', text: 'c' }],
                      },
                    ],
                  },
                ],
              },
            ],
          },
          {
            type: 'blockquote',
            content: [
              {
                type: 'paragraph',
                content: [
                  { type: 'text', text: 'q' },
                  { type: 'hardBreak' },
                  {
                    type: 'text',
                    text: 'r',
                    marks: [
                      { type: 'underline' },
                      { type: 'strike' },
                      { type: 'subsup', attrs: { type: 'sub' } },
                    ],
                  },
                ],
              },
            ],
          },
          { type: 'rule' },
          {
            type: 'orderedList',
            attrs: { order: 3 },
            content: [
              {
                type: 'listItem',
                content: [
                  {
                    type: 'paragraph',
                    content: [
                      {
                        type: 'text',
                        text: 'x',
                        marks: [{ type: 'subsup', attrs: { type: 'sup' } }],
                      },
                    ],
                  },
                ],
              },
            ],
          },
          {
            type: 'paragraph',
            content: [
              { type: 'inlineCard', attrs: { url: 'https://e.example.com' } },
              { type: 'status', attrs: { text: 'OK' } },
              { type: 'emoji', attrs: { shortName: ':x:' } },
            ],
          },
          { type: 'mediaGroup', content: [] },
          {
            type: 'expand',
            attrs: { title: 'More' },
            content: [
              { type: 'paragraph', content: [{ type: 'text', text: 'm' }] },
            ],
          },
        ],
      }),
    ).toBe(
      '<table><tbody><tr><th><p>h</p></th><td><p>c</p></td></tr></tbody></table><blockquote><p>q<br><s><u><sub>r</sub></u></s></p></blockquote><hr><ol start="3"><li><p><sup>x</sup></p></li></ol><p><a href="https://e.example.com/" rel="noopener noreferrer nofollow" target="_blank">https://e.example.com/</a><span class="status">OK</span>:x:</p><p><em>(attachment)</em></p><div><p><strong>More</strong></p><p>m</p></div>',
    );
    expect(adfToHtml(null)).toBe('');
  });

  it('accepts http, https and mailto URLs only', () => {
    expect(safeUrl('https://a.example.com/x?y=1')).toBe(
      'https://a.example.com/x?y=1',
    );
    expect(safeUrl('mailto:a@example.com')).toBe('mailto:a@example.com');
    expect(safeUrl(SCRIPT_URL)).toBeUndefined();
    expect(safeUrl('not a url')).toBeUndefined();
    expect(safeUrl(42)).toBeUndefined();
  });
});
