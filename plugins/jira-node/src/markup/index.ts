import { AdfDoc, isAdfDoc } from './adf';
import { adfToHtml } from './html';
import { adfToMarkdown, markdownToAdf } from './markdown';
import { adfToWiki, wikiToAdf } from './wiki';

export type { AdfDoc, AdfMark, AdfNode } from './adf';
export { adfToPlainText, isAdfDoc } from './adf';
export { adfToHtml, escapeHtml, safeUrl } from './html';
export { adfToMarkdown, markdownToAdf } from './markdown';
export { adfToWiki, wikiToAdf } from './wiki';

/** Markdown → Jira wiki markup (Data Center descriptions and comments). */
export function markdownToWiki(markdown: string): string {
  return adfToWiki(markdownToAdf(markdown));
}

/** Jira wiki markup → Markdown. */
export function wikiToMarkdown(wiki: string | null | undefined): string {
  return wiki ? adfToMarkdown(wikiToAdf(wiki)) : '';
}

/** Jira wiki markup → sanitised HTML. */
export function wikiToHtml(wiki: string | null | undefined): string {
  return wiki ? adfToHtml(wikiToAdf(wiki)) : '';
}

/**
 * A description or comment body as Jira answers it (ADF from Cloud's v3, wiki markup from Data
 * Center's v2, or null) → the ADF Comet converts from.
 */
export function bodyToAdf(body: unknown): AdfDoc | undefined {
  if (isAdfDoc(body)) return body;
  if (typeof body === 'string' && body.trim()) return wikiToAdf(body);
  return undefined;
}
