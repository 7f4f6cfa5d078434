import { Box } from '@material-ui/core';
import { createElement, ReactNode } from 'react';

/** The tags the backend writes for a description (`jira-node`'s `adfToHtml`). */
const TAGS = new Set([
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'strong',
  'em',
  's',
  'u',
  'code',
  'pre',
  'sub',
  'sup',
  'a',
  'ul',
  'ol',
  'li',
  'blockquote',
  'hr',
  'br',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'div',
  'span',
]);
const VOID_TAGS = new Set(['br', 'hr']);
/** Leaves dropped with all they contain (an unknown tag keeps its text). */
const DROPPED = new Set([
  'script',
  'style',
  'iframe',
  'object',
  'embed',
  'template',
]);

function safeHref(value: string | null): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value.trim());
    return ['http:', 'https:', 'mailto:'].includes(url.protocol)
      ? url.toString()
      : undefined;
  } catch {
    return undefined;
  }
}

function toReact(node: Node, key: number): ReactNode {
  if (node.nodeType === Node.TEXT_NODE) return node.textContent;
  if (node.nodeType !== Node.ELEMENT_NODE) return null;
  const element = node as Element;
  const tag = element.tagName.toLowerCase();
  if (DROPPED.has(tag)) return null;
  const children = Array.from(element.childNodes).map(toReact);
  if (!TAGS.has(tag)) return <span key={key}>{children}</span>;
  const props: Record<string, unknown> = { key };
  if (tag === 'a') {
    const href = safeHref(element.getAttribute('href'));
    if (!href) return <span key={key}>{children}</span>;
    Object.assign(props, {
      href,
      target: '_blank',
      rel: 'noopener noreferrer nofollow',
    });
  }
  if (tag === 'ol') {
    const start = element.getAttribute('start');
    if (start && /^\d{1,9}$/.test(start)) props.start = Number(start);
  }
  if (tag === 'code') {
    const language = /^language-[\w+#.-]{1,40}$/.exec(
      element.getAttribute('class') ?? '',
    );
    if (language) props.className = language[0];
  }
  return VOID_TAGS.has(tag)
    ? createElement(tag, props)
    : createElement(tag, props, ...children);
}

export type SafeHtmlProps = { html: string };

/**
 * HTML the backend sanitised, drawn as React elements through an allow-list of its own tags
 * and attributes (never `innerHTML`): what slipped through is dropped again here. Parsing
 * happens in an inert document, so nothing in it loads or runs.
 */
export function SafeHtml(props: SafeHtmlProps) {
  const parsed = new DOMParser().parseFromString(props.html, 'text/html');
  return (
    <Box style={{ overflowWrap: 'anywhere' }}>
      {Array.from(parsed.body.childNodes).map(toReact)}
    </Box>
  );
}
