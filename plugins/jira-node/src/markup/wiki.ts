import {
  AdfDoc,
  AdfMark,
  AdfNode,
  doc,
  InlineWriter,
  isInline,
  mergeText,
  paragraph,
  textNode,
  writeInline,
} from './adf';

/*
 * Jira's text formatting notation ("wiki markup", what Jira Data Center stores and its REST v2
 * answers) ↔ ADF. Covered: h1.–h6., *bold*, _italic_, -strike-, +underline+, ^sup^, ~sub~,
 * ??citation??, {{monospace}}, [text|url], [url], [~user], bare URLs, * and # lists (nested,
 * mixed), {code[:lang]}, {noformat}, {quote}, bq., {panel}, ----, tables, \\ line breaks,
 * {color} (dropped) and !attachments! (named). A newline inside a paragraph is a line break.
 */

// ---------------------------------------------------------------------------------------------
// wiki → ADF

const HEADING = /^\s*h([1-6])\.(?:\s+(.*))?$/;
const BQ = /^\s*bq\.\s+(.*)$/;
const RULE = /^\s*-{4,}\s*$/;
const LIST = /^\s*([*#]+|-)\s+(.*)$/;
const MACRO = /^\s*\{(code|noformat|quote|panel)(?::([^}]*))?\}(.*)$/;
const TABLE = /^\s*\|/;

function isBlank(line: string) {
  return /^\s*$/.test(line);
}

function startsBlock(line: string) {
  return (
    HEADING.test(line) ||
    BQ.test(line) ||
    RULE.test(line) ||
    LIST.test(line) ||
    MACRO.test(line) ||
    TABLE.test(line)
  );
}

function codeLanguage(params: string | undefined): string | undefined {
  for (const part of (params ?? '').split('|')) {
    const [key, value] = part.split('=');
    if (value === undefined && key.trim()) return key.trim();
    if (key.trim() === 'language' && value?.trim()) return value.trim();
  }
  return undefined;
}

function linesToInline(lines: string[]): AdfNode[] {
  const out: AdfNode[] = [];
  lines.forEach((line, index) => {
    if (index > 0) out.push({ type: 'hardBreak' });
    out.push(...parseWikiInline(line.trim()));
  });
  return out;
}

function splitCells(line: string): Array<{ header: boolean; text: string }> {
  const cells: Array<{ header: boolean; text: string }> = [];
  let current: { header: boolean; text: string } | undefined;
  let bracket = 0;
  let braces = 0;
  const row = line.trim();
  for (let i = 0; i < row.length; i++) {
    const ch = row[i];
    if (ch === '\\' && i + 1 < row.length) {
      if (current) current.text += ch + row[i + 1];
      i++;
      continue;
    }
    if (ch === '[') bracket++;
    if (ch === ']') bracket = Math.max(0, bracket - 1);
    if (row.startsWith('{{', i)) braces++;
    if (row.startsWith('}}', i)) braces = Math.max(0, braces - 1);
    if (ch === '|' && bracket === 0 && braces === 0) {
      if (current) cells.push(current);
      const header = row[i + 1] === '|';
      if (header) i++;
      current = { header, text: '' };
      continue;
    }
    if (current) current.text += ch;
  }
  if (current && current.text.trim()) cells.push(current);
  return cells;
}

function parseWikiBlocks(lines: string[]): AdfNode[] {
  const blocks: AdfNode[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) {
      i++;
      continue;
    }
    const macro = MACRO.exec(line);
    if (macro) {
      const name = macro[1];
      const closing = `{${name}}`;
      const body: string[] = [];
      let rest = macro[3];
      i++;
      // an unclosed macro runs to the end, as Jira renders it
      for (;;) {
        const at = rest.indexOf(closing);
        if (at >= 0) {
          body.push(rest.slice(0, at));
          break;
        }
        body.push(rest);
        if (i >= lines.length) break;
        rest = lines[i];
        i++;
      }
      if (body.length && body[0] === '') body.shift();
      if (body.length && body[body.length - 1] === '') body.pop();
      if (name === 'code' || name === 'noformat') {
        const text = body.join('\n');
        const language = name === 'code' ? codeLanguage(macro[2]) : undefined;
        blocks.push({
          type: 'codeBlock',
          ...(language ? { attrs: { language } } : {}),
          ...(text ? { content: [{ type: 'text', text }] } : {}),
        });
      } else {
        blocks.push({ type: 'blockquote', content: parseWikiBlocks(body) });
      }
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const content = mergeText(parseWikiInline((heading[2] ?? '').trim()));
      blocks.push({
        type: 'heading',
        attrs: { level: Number(heading[1]) },
        ...(content.length ? { content } : {}),
      });
      i++;
      continue;
    }
    const bq = BQ.exec(line);
    if (bq) {
      blocks.push({
        type: 'blockquote',
        content: [paragraph(parseWikiInline(bq[1].trim()))],
      });
      i++;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push({ type: 'rule' });
      i++;
      continue;
    }
    if (LIST.test(line)) {
      i = parseWikiList(lines, i, blocks);
      continue;
    }
    if (TABLE.test(line)) {
      const rows: AdfNode[] = [];
      while (i < lines.length && TABLE.test(lines[i])) {
        rows.push({
          type: 'tableRow',
          content: splitCells(lines[i]).map(cell => ({
            type: cell.header ? 'tableHeader' : 'tableCell',
            content: [paragraph(parseWikiInline(cell.text.trim()))],
          })),
        });
        i++;
      }
      blocks.push({ type: 'table', content: rows });
      continue;
    }
    const body: string[] = [];
    while (
      i < lines.length &&
      !isBlank(lines[i]) &&
      (body.length === 0 || !startsBlock(lines[i]))
    ) {
      body.push(lines[i]);
      i++;
    }
    blocks.push(paragraph(linesToInline(body)));
  }
  return blocks;
}

function parseWikiList(lines: string[], start: number, blocks: AdfNode[]) {
  const stack: AdfNode[] = [];
  const typeOf = (marker: string) =>
    marker === '#' ? 'orderedList' : 'bulletList';
  let i = start;
  while (i < lines.length) {
    const match = LIST.exec(lines[i]);
    if (!match) break;
    const markers = match[1];
    stack.length = Math.min(stack.length, markers.length);
    let keep = 0;
    while (keep < stack.length && stack[keep].type === typeOf(markers[keep])) {
      keep++;
    }
    stack.length = keep;
    while (stack.length < markers.length) {
      const list: AdfNode = {
        type: typeOf(markers[stack.length]),
        content: [],
      };
      if (stack.length === 0) {
        blocks.push(list);
      } else {
        const parent = stack[stack.length - 1];
        if (parent.content!.length === 0) {
          parent.content!.push({
            type: 'listItem',
            content: [{ type: 'paragraph' }],
          });
        }
        parent.content![parent.content!.length - 1].content!.push(list);
      }
      stack.push(list);
    }
    stack[stack.length - 1].content!.push({
      type: 'listItem',
      content: [paragraph(parseWikiInline(match[2].trim()))],
    });
    i++;
  }
  return i;
}

const WIKI_SPECIAL = /[*_\-+^~?{}[\]|!\\.#]/;
const WIKI_MARKS: Record<string, AdfMark> = {
  '*': { type: 'strong' },
  _: { type: 'em' },
  '-': { type: 'strike' },
  '+': { type: 'underline' },
  '^': { type: 'subsup', attrs: { type: 'sup' } },
  '~': { type: 'subsup', attrs: { type: 'sub' } },
};

function isWordChar(ch: string | undefined) {
  return ch !== undefined && /[\p{L}\p{N}]/u.test(ch);
}

function findWikiClosing(text: string, from: number, delimiter: string) {
  for (let j = from; j < text.length; j++) {
    if (text[j] === '\\') {
      j++;
      continue;
    }
    if (text.startsWith('{{', j)) {
      let close = text.indexOf('}}', j + 2);
      while (close > 0 && text[close - 1] === '\\') {
        close = text.indexOf('}}', close + 1);
      }
      if (close > 0) j = close + 1;
      continue;
    }
    if (
      text.startsWith(delimiter, j) &&
      j > from &&
      !/\s/.test(text[j - 1]) &&
      !isWordChar(text[j + delimiter.length])
    ) {
      return j;
    }
  }
  return -1;
}

/** Wiki inline notation → ADF text nodes with marks. */
export function parseWikiInline(
  text: string,
  marks: AdfMark[] = [],
): AdfNode[] {
  const out: AdfNode[] = [];
  let plain = '';
  const flush = () => {
    if (plain) out.push(textNode(plain, marks));
    plain = '';
  };
  const inLink = marks.some(m => m.type === 'link');
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    const rest = text.slice(i);
    if (ch === '\\') {
      if (text[i + 1] === '\\') {
        flush();
        out.push({ type: 'hardBreak' });
        i += 2;
        continue;
      }
      if (i + 1 < text.length && WIKI_SPECIAL.test(text[i + 1])) {
        plain += text[i + 1];
        i += 2;
        continue;
      }
    }
    if (rest.startsWith('{{')) {
      let close = text.indexOf('}}', i + 2);
      while (close > 0 && text[close - 1] === '\\') {
        close = text.indexOf('}}', close + 1);
      }
      if (close > i + 2) {
        flush();
        const link = marks.filter(m => m.type === 'link');
        const code = text.slice(i + 2, close).replace(/\\([{}])/g, '$1');
        out.push(textNode(code, [...link, { type: 'code' }]));
        i = close + 2;
        continue;
      }
    }
    if (ch === '{') {
      const color = /^\{color(?::[^}]*)?\}/.exec(rest);
      if (color) {
        i += color[0].length;
        continue;
      }
    }
    if (ch === '[' && !inLink) {
      const close = text.indexOf(']', i + 1);
      if (close > i + 1) {
        const inner = text.slice(i + 1, close);
        const pipe = inner.lastIndexOf('|');
        const target = (pipe >= 0 ? inner.slice(pipe + 1) : inner).trim();
        const label = pipe >= 0 ? inner.slice(0, pipe) : undefined;
        if (target.startsWith('~')) {
          flush();
          const user = target.slice(1);
          out.push({
            type: 'mention',
            attrs: { id: user, text: `@${label ?? user}` },
          });
          i = close + 1;
          continue;
        }
        if (/^(https?:\/\/|mailto:)/.test(target)) {
          flush();
          const linkMark = { type: 'link', attrs: { href: target } };
          out.push(
            ...(label !== undefined
              ? parseWikiInline(label, [...marks, linkMark])
              : [
                  textNode(target.replace(/^mailto:/, ''), [
                    ...marks,
                    linkMark,
                  ]),
                ]),
          );
          i = close + 1;
          continue;
        }
        if (target.startsWith('^') || target.startsWith('#')) {
          plain += label ?? target.slice(1);
          i = close + 1;
          continue;
        }
      }
    }
    if (ch === '!') {
      const image = /^!([^\s!|][^!|]*)(?:\|[^!]*)?!/.exec(rest);
      if (
        image &&
        /\.(png|jpe?g|gif|svg|bmp|webp)$|^https?:\/\//i.test(image[1])
      ) {
        flush();
        plain += `(attachment: ${image[1]})`;
        i += image[0].length;
        continue;
      }
    }
    if (ch === 'h' && !isWordChar(text[i - 1]) && !inLink) {
      const url = /^https?:\/\/[^\s<\]|]+/.exec(rest);
      if (url) {
        const href = url[0].replace(/[.,;:!?)]+$/, '');
        flush();
        out.push(textNode(href, [...marks, { type: 'link', attrs: { href } }]));
        i += href.length;
        continue;
      }
    }
    const delimiter = rest.startsWith('??') ? '??' : ch;
    const mark =
      delimiter === '??' ? ({ type: 'em' } as AdfMark) : WIKI_MARKS[ch];
    if (
      mark &&
      !isWordChar(text[i - 1]) &&
      text[i + delimiter.length] !== undefined &&
      !/\s/.test(text[i + delimiter.length]) &&
      text[i + delimiter.length] !== ch
    ) {
      const close = findWikiClosing(text, i + delimiter.length, delimiter);
      if (close > 0) {
        flush();
        out.push(
          ...parseWikiInline(text.slice(i + delimiter.length, close), [
            ...marks,
            mark,
          ]),
        );
        i = close + delimiter.length;
        continue;
      }
    }
    plain += ch;
    i++;
  }
  flush();
  return mergeText(out);
}

/** Jira wiki markup → an ADF document. */
export function wikiToAdf(wiki: string): AdfDoc {
  return doc(parseWikiBlocks(wiki.replace(/\r\n?/g, '\n').split('\n')));
}

// ---------------------------------------------------------------------------------------------
// ADF → wiki

const DELIMITERS = new Set(['*', '_', '-', '+', '^', '~', '!']);

function escapeWiki(text: string, atLineStart: boolean): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{' || ch === '}' || ch === '[' || ch === ']' || ch === '|') {
      out += `\\${ch}`;
    } else if (ch === '\\' && text[i + 1] !== undefined) {
      out += WIKI_SPECIAL.test(text[i + 1]) ? '\\\\' : '\\';
    } else if (DELIMITERS.has(ch) || (ch === '?' && text[i + 1] === '?')) {
      const prev = text[i - 1];
      const next = text[i + 1];
      const opens = !isWordChar(prev) && next !== undefined && !/\s/.test(next);
      const closes =
        prev !== undefined && !/\s/.test(prev) && !isWordChar(next);
      out += opens || closes ? `\\${ch}` : ch;
    } else {
      out += ch;
    }
  }
  const lineStart = (line: string) =>
    line
      .replace(/^(\s*h[1-6]|\s*bq)\./, '$1\\.')
      .replace(/^(\s*)([*#-])(?=[*#-]*\s)/, '$1\\$2');
  return out
    .split('\n')
    .map((line, index) => (index > 0 || atLineStart ? lineStart(line) : line))
    .join('\n');
}

function wikiInline(hardBreak: string): InlineWriter {
  return {
    open(mark: AdfMark) {
      switch (mark.type) {
        case 'link':
          return '[';
        case 'strong':
          return '*';
        case 'em':
          return '_';
        case 'strike':
          return '-';
        case 'underline':
          return '+';
        case 'subsup':
          return mark.attrs?.type === 'sub' ? '~' : '^';
        default:
          return '';
      }
    },
    close(mark: AdfMark) {
      switch (mark.type) {
        case 'link':
          return `|${String(mark.attrs?.href ?? '').replace(/[\]|\s]/g, c =>
            encodeURIComponent(c),
          )}]`;
        default:
          return this.open(mark);
      }
    },
    text: escapeWiki,
    code: (text: string) => `{{${text.replace(/[{}]/g, c => `\\${c}`)}}}`,
    hardBreak: () => hardBreak,
    atom(node: AdfNode) {
      const attrs = node.attrs ?? {};
      switch (node.type) {
        case 'mention':
          return escapeWiki(String(attrs.text ?? '@someone'), false);
        case 'emoji':
          return String(attrs.text ?? attrs.shortName ?? '');
        case 'inlineCard':
          return attrs.url ? `[${attrs.url}]` : '';
        case 'date':
          return attrs.timestamp
            ? new Date(Number(attrs.timestamp)).toISOString().slice(0, 10)
            : '';
        default:
          return escapeWiki(String(attrs.text ?? ''), false);
      }
    },
    trimsSpaces: true,
  };
}

const PARAGRAPH_INLINE = wikiInline('\n');
const LINE_INLINE = wikiInline(' \\\\ ');

function listToWiki(node: AdfNode, prefix: string): string {
  const marker = prefix + (node.type === 'orderedList' ? '#' : '*');
  const lines: string[] = [];
  for (const item of node.content ?? []) {
    const children = item.content ?? [];
    let first = true;
    for (const child of children) {
      if (child.type === 'bulletList' || child.type === 'orderedList') {
        if (first) lines.push(`${marker} `);
        lines.push(listToWiki(child, marker));
      } else if (first && child.type === 'paragraph') {
        lines.push(
          `${marker} ${writeInline(child.content ?? [], LINE_INLINE)}`,
        );
      } else if (isInline(child)) {
        lines.push(`${marker} ${writeInline([child], LINE_INLINE)}`);
      } else {
        if (first) lines.push(`${marker} `);
        lines.push(blockToWiki(child));
      }
      first = false;
    }
    if (first) lines.push(`${marker} `);
  }
  return lines.join('\n');
}

function cellToWiki(cell: AdfNode): string {
  return (cell.content ?? [])
    .map(block =>
      writeInline(isInline(block) ? [block] : block.content ?? [], LINE_INLINE),
    )
    .join(' ');
}

function blockToWiki(node: AdfNode): string {
  const content = node.content ?? [];
  switch (node.type) {
    case 'paragraph':
      return writeInline(content, PARAGRAPH_INLINE);
    case 'heading': {
      const level = Math.min(
        6,
        Math.max(1, Math.trunc(Number(node.attrs?.level)) || 1),
      );
      return `h${level}. ${writeInline(content, LINE_INLINE)}`;
    }
    case 'bulletList':
    case 'orderedList':
      return listToWiki(node, '');
    case 'taskList':
    case 'decisionList':
      return content
        .map(item => `* ${writeInline(item.content ?? [], LINE_INLINE)}`)
        .join('\n');
    case 'codeBlock': {
      const language = String(node.attrs?.language ?? '').replace(
        /[^\w+#.-]/g,
        '',
      );
      const text = content.map(c => c.text ?? '').join('');
      if (text.includes('{code}')) {
        return `{noformat}\n${text}\n{noformat}`;
      }
      return `{code${language ? `:${language}` : ''}}\n${text}\n{code}`;
    }
    case 'blockquote':
    case 'panel':
      return `{quote}\n${blocksToWiki(content)}\n{quote}`;
    case 'rule':
      return '----';
    case 'table':
      return content
        .map(row => {
          const cells = row.content ?? [];
          return (
            cells
              .map(
                cell =>
                  `${cell.type === 'tableHeader' ? '||' : '|'}${cellToWiki(
                    cell,
                  )}`,
              )
              .join('') +
            (cells[cells.length - 1]?.type === 'tableHeader' ? '||' : '|')
          );
        })
        .join('\n');
    case 'mediaSingle':
    case 'mediaGroup':
    case 'media':
      return '_(attachment)_';
    case 'expand':
    case 'nestedExpand':
      return `${
        node.attrs?.title
          ? `*${escapeWiki(String(node.attrs.title), false)}*\n\n`
          : ''
      }${blocksToWiki(content)}`;
    default:
      if (content.length && content.every(isInline)) {
        return writeInline(content, PARAGRAPH_INLINE);
      }
      return blocksToWiki(content);
  }
}

function blocksToWiki(nodes: AdfNode[]): string {
  const out: string[] = [];
  let inlineRun: AdfNode[] = [];
  const flush = () => {
    if (inlineRun.length) out.push(writeInline(inlineRun, PARAGRAPH_INLINE));
    inlineRun = [];
  };
  for (const node of nodes) {
    if (isInline(node)) {
      inlineRun.push(node);
      continue;
    }
    flush();
    const text = blockToWiki(node);
    if (text !== '') out.push(text);
  }
  flush();
  return out.join('\n\n');
}

/** An ADF document → Jira wiki markup. */
export function adfToWiki(node: AdfDoc | AdfNode | null | undefined): string {
  if (!node) return '';
  return blocksToWiki(node.type === 'doc' ? node.content ?? [] : [node]);
}
