import { AdfDoc, AdfMark, AdfNode, canonicalMarks, isInline } from './adf';

/*
 * ADF → HTML, sanitised by construction: every text and attribute is escaped, only the tags
 * below are written, no attribute but `href` (http, https, mailto), `class` on code (a checked
 * language), `start` on lists and `rel`/`target` on links. There is no way for a script, an event
 * handler or a `javascript:` URL in the document to reach the output.
 */

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    c =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[
        c
      ]!),
  );
}

/** The URL if it is http(s) or mailto, else undefined. */
export function safeUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const url = value.trim();
  try {
    const parsed = new URL(url);
    if (['http:', 'https:', 'mailto:'].includes(parsed.protocol)) {
      return parsed.toString();
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function openMark(mark: AdfMark): string {
  switch (mark.type) {
    case 'link': {
      const href = safeUrl(mark.attrs?.href);
      return href
        ? `<a href="${escapeHtml(
            href,
          )}" rel="noopener noreferrer nofollow" target="_blank">`
        : '';
    }
    case 'strong':
      return '<strong>';
    case 'em':
      return '<em>';
    case 'strike':
      return '<s>';
    case 'underline':
      return '<u>';
    case 'code':
      return '<code>';
    case 'subsup':
      return mark.attrs?.type === 'sub' ? '<sub>' : '<sup>';
    default:
      return '';
  }
}

function closeMark(mark: AdfMark): string {
  switch (mark.type) {
    case 'link':
      return safeUrl(mark.attrs?.href) ? '</a>' : '';
    case 'strong':
      return '</strong>';
    case 'em':
      return '</em>';
    case 'strike':
      return '</s>';
    case 'underline':
      return '</u>';
    case 'code':
      return '</code>';
    case 'subsup':
      return mark.attrs?.type === 'sub' ? '</sub>' : '</sup>';
    default:
      return '';
  }
}

function inlineToHtml(node: AdfNode): string {
  const attrs = node.attrs ?? {};
  switch (node.type) {
    case 'text': {
      const marks = canonicalMarks(node.marks);
      return (
        marks.map(openMark).join('') +
        escapeHtml(node.text ?? '').replace(/\n/g, '<br>') +
        [...marks].reverse().map(closeMark).join('')
      );
    }
    case 'hardBreak':
      return '<br>';
    case 'mention':
      return `<span class="mention">${escapeHtml(
        String(attrs.text ?? '@someone'),
      )}</span>`;
    case 'emoji':
      return escapeHtml(String(attrs.text ?? attrs.shortName ?? ''));
    case 'inlineCard': {
      const href = safeUrl(attrs.url);
      return href
        ? `<a href="${escapeHtml(
            href,
          )}" rel="noopener noreferrer nofollow" target="_blank">${escapeHtml(
            href,
          )}</a>`
        : '';
    }
    case 'date':
      return attrs.timestamp
        ? escapeHtml(
            new Date(Number(attrs.timestamp)).toISOString().slice(0, 10),
          )
        : '';
    case 'status':
      return `<span class="status">${escapeHtml(
        String(attrs.text ?? ''),
      )}</span>`;
    default:
      return escapeHtml(String(attrs.text ?? ''));
  }
}

function childrenToHtml(nodes: AdfNode[] = []): string {
  return nodes
    .map(n => (isInline(n) ? inlineToHtml(n) : blockToHtml(n)))
    .join('');
}

function blockToHtml(node: AdfNode): string {
  const content = node.content ?? [];
  switch (node.type) {
    case 'paragraph':
      return `<p>${childrenToHtml(content)}</p>`;
    case 'heading': {
      const level = Math.min(
        6,
        Math.max(1, Math.trunc(Number(node.attrs?.level)) || 1),
      );
      return `<h${level}>${childrenToHtml(content)}</h${level}>`;
    }
    case 'bulletList':
      return `<ul>${childrenToHtml(content)}</ul>`;
    case 'orderedList': {
      const start = Number(node.attrs?.order ?? 1);
      return `<ol${
        Number.isInteger(start) && start !== 1 ? ` start="${start}"` : ''
      }>${childrenToHtml(content)}</ol>`;
    }
    case 'listItem':
    case 'taskItem':
    case 'decisionItem':
      return `<li>${childrenToHtml(content)}</li>`;
    case 'taskList':
    case 'decisionList':
      return `<ul>${childrenToHtml(content)}</ul>`;
    case 'codeBlock': {
      const language = String(node.attrs?.language ?? '');
      const cls = /^[\w+#.-]{1,40}$/.test(language)
        ? ` class="language-${escapeHtml(language)}"`
        : '';
      return `<pre><code${cls}>${escapeHtml(
        content.map(c => c.text ?? '').join(''),
      )}</code></pre>`;
    }
    case 'blockquote':
    case 'panel':
      return `<blockquote>${childrenToHtml(content)}</blockquote>`;
    case 'rule':
      return '<hr>';
    case 'table':
      return `<table><tbody>${childrenToHtml(content)}</tbody></table>`;
    case 'tableRow':
      return `<tr>${childrenToHtml(content)}</tr>`;
    case 'tableHeader':
      return `<th>${childrenToHtml(content)}</th>`;
    case 'tableCell':
      return `<td>${childrenToHtml(content)}</td>`;
    case 'mediaSingle':
    case 'mediaGroup':
    case 'media':
      return '<p><em>(attachment)</em></p>';
    case 'expand':
    case 'nestedExpand':
      return `<div>${
        node.attrs?.title
          ? `<p><strong>${escapeHtml(String(node.attrs.title))}</strong></p>`
          : ''
      }${childrenToHtml(content)}</div>`;
    default:
      return childrenToHtml(content);
  }
}

/** An ADF document → sanitised HTML (no scripts, no event handlers, safe links only). */
export function adfToHtml(node: AdfDoc | AdfNode | null | undefined): string {
  if (!node) return '';
  return node.type === 'doc'
    ? childrenToHtml(node.content ?? [])
    : childrenToHtml([node]);
}
