import { render, screen } from '@testing-library/react';
import { safeHref, SafeMarkdown } from './SafeMarkdown';

describe('SafeMarkdown', () => {
  it('renders Markdown: emphasis, lists, code and GFM tables', () => {
    const { container } = render(
      <SafeMarkdown
        content={[
          'The run **failed** in `build`:',
          '',
          '- install',
          '- test',
          '',
          '| step | status |',
          '| --- | --- |',
          '| test | failed |',
          '',
          '```',
          'npm ERR! code E404',
          '```',
        ].join('\n')}
      />,
    );
    expect(screen.getByText('failed', { selector: 'strong' })).toBeVisible();
    expect(screen.getAllByRole('listitem')).toHaveLength(2);
    expect(screen.getByRole('columnheader', { name: 'status' })).toBeVisible();
    expect(screen.getByRole('cell', { name: 'failed' })).toBeVisible();
    expect(container.querySelector('pre code')).toHaveTextContent(
      'npm ERR! code E404',
    );
  });

  it('never renders an image: a remote one is named as text, not loaded', () => {
    const { container } = render(
      <SafeMarkdown content="Look: ![build graph](https://evil.example/track.png?u=guest)" />,
    );
    expect(container.querySelector('img')).toBeNull();
    expect(container).toHaveTextContent(
      '[image not shown: build graph (https://evil.example/track.png?u=guest)]',
    );
  });

  it('drops raw HTML, including <img> and <script> written as HTML', () => {
    const { container } = render(
      <SafeMarkdown
        content={
          'Before <img src="https://evil.example/x.png" onerror="alert(1)"> after\n\n<script>alert(1)</script>\n\n<div onclick="x()">block</div>'
        }
      />,
    );
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('[onclick]')).toBeNull();
    expect(container.querySelector('[onerror]')).toBeNull();
    expect(container).toHaveTextContent('Before after');
  });

  it('makes http(s) links open in a new tab without access to the portal', () => {
    render(
      <SafeMarkdown content="See [the run](https://ci.example.com/runs/1) and [the catalog](/catalog)." />,
    );
    const run = screen.getByRole('link', { name: 'the run' });
    expect(run).toHaveAttribute('href', 'https://ci.example.com/runs/1');
    expect(run).toHaveAttribute('target', '_blank');
    expect(run).toHaveAttribute('rel', 'noopener noreferrer');
    expect(screen.getByRole('link', { name: 'the catalog' })).toHaveAttribute(
      'href',
      `${window.location.origin}/catalog`,
    );
  });

  it('renders javascript:, data: and other schemes as plain text, not links', () => {
    const { container } = render(
      <SafeMarkdown content="[click me](javascript:alert(document.cookie)) [data](data:text/html;base64,PHNjcmlwdD4=) [mail](mailto:a@b.c) [vb](vbscript:msgbox)" />,
    );
    expect(screen.queryByRole('link')).toBeNull();
    expect(container.querySelector('a')).toBeNull();
    expect(container).toHaveTextContent('click me data mail vb');
  });

  it('says which addresses are safe to link', () => {
    expect(safeHref('https://a.example/x')).toBe('https://a.example/x');
    expect(safeHref('http://a.example')).toBe('http://a.example/');
    expect(safeHref(' JaVaScRiPt:alert(1)')).toBeUndefined();
    expect(safeHref('data:text/html,x')).toBeUndefined();
    expect(safeHref(undefined)).toBeUndefined();
    expect(safeHref('')).toBeUndefined();
    expect(safeHref('http://[bad')).toBeUndefined();
  });
});
