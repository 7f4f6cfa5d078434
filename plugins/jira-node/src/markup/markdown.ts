import {
  AdfDoc,
  AdfMark,
  AdfNode,
  doc,
  isInline,
  mergeText,
  paragraph,
  textNode,
  writeInline,
} from './adf';

/*
 * Markdown (the CommonMark and GFM parts people type in an issue) ↔ ADF. A single newline inside
 * a paragraph is kept as a line break: people write issues line by line, and Jira shows them so.
 */

// ---------------------------------------------------------------------------------------------
// Markdown → ADF

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?/;
const LIST_ITEM = /^( *)([-*+]|\d{1,9}[.)])(?:[ \t]+(.*))?$/;
const TABLE_DIVIDER = /^ *\|? *:?-{1,}:? *(\| *:?-{1,}:? *)*\|? *$/;

function indentOf(line: string) {
  return /^ */.exec(line)![0].length;
}

function isBlank(line: string) {
  return /^\s*$/.test(line);
}

function startsBlock(line: string) {
  return (
    FENCE.test(line) ||
    HEADING.test(line) ||
    RULE.test(line) ||
    QUOTE.test(line) ||
    LIST_ITEM.test(line)
  );
}

function splitRow(line: string): string[] {
  let row = line.trim();
  if (row.startsWith('|')) row = row.slice(1);
  if (row.endsWith('|') && !row.endsWith('\\|')) row = row.slice(0, -1);
  const cells: string[] = [];
  let cell = '';
  for (let i = 0; i < row.length; i++) {
    if (row[i] === '\\' && row[i + 1] === '|') {
      cell += '|';
      i++;
    } else if (row[i] === '|') {
      cells.push(cell.trim());
      cell = '';
    } else {
      cell += row[i];
    }
  }
  cells.push(cell.trim());
  return cells;
}

function parseBlocks(lines: string[]): AdfNode[] {
  const blocks: AdfNode[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1];
      const body: string[] = [];
      i++;
      while (
        i < lines.length &&
        !new RegExp(`^ {0,3}${marker[0]}{${marker.length},}\\s*$`).test(
          lines[i],
        )
      ) {
        body.push(lines[i]);
        i++;
      }
      i++; // the closing fence (or the end)
      const text = body.join('\n');
      blocks.push({
        type: 'codeBlock',
        ...(fence[2] ? { attrs: { language: fence[2] } } : {}),
        ...(text ? { content: [{ type: 'text', text }] } : {}),
      });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const content = mergeText(parseInline(heading[2] ?? ''));
      blocks.push({
        type: 'heading',
        attrs: { level: heading[1].length },
        ...(content.length ? { content } : {}),
      });
      i++;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push({ type: 'rule' });
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const body: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i])) {
        body.push(lines[i].replace(QUOTE, ''));
        i++;
      }
      blocks.push({ type: 'blockquote', content: parseBlocks(body) });
      continue;
    }
    if (LIST_ITEM.test(line)) {
      const [list, next] = parseList(lines, i);
      blocks.push(list);
      i = next;
      continue;
    }
    if (
      line.includes('|') &&
      i + 1 < lines.length &&
      TABLE_DIVIDER.test(lines[i + 1]) &&
      lines[i + 1].includes('-')
    ) {
      const rows: AdfNode[] = [];
      const cellOf = (type: string, text: string): AdfNode => ({
        type,
        content: [paragraph(parseInline(text))],
      });
      rows.push({
        type: 'tableRow',
        content: splitRow(line).map(c => cellOf('tableHeader', c)),
      });
      i += 2;
      while (i < lines.length && !isBlank(lines[i]) && lines[i].includes('|')) {
        rows.push({
          type: 'tableRow',
          content: splitRow(lines[i]).map(c => cellOf('tableCell', c)),
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
    const inline: AdfNode[] = [];
    body.forEach((raw, index) => {
      let text = raw.replace(/^[ \t]+/, '');
      const last = index === body.length - 1;
      text = text.replace(/(?:\\| {2,}|[ \t]+)$/, '');
      inline.push(...parseInline(text));
      if (!last) inline.push({ type: 'hardBreak' });
    });
    blocks.push(paragraph(inline));
  }
  return blocks;
}

function parseList(lines: string[], start: number): [AdfNode, number] {
  const first = LIST_ITEM.exec(lines[start])!;
  const listIndent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const bulletChar = ordered ? '' : first[2];
  const items: AdfNode[] = [];
  let i = start;
  while (i < lines.length) {
    const match = LIST_ITEM.exec(lines[i]);
    if (
      !match ||
      match[1].length !== listIndent ||
      /\d/.test(match[2]) !== ordered ||
      (!ordered && match[2] !== bulletChar)
    ) {
      break;
    }
    const contentIndent = listIndent + match[2].length + 1;
    const body = [match[3] ?? ''];
    i++;
    while (i < lines.length) {
      const line = lines[i];
      if (isBlank(line)) {
        // A blank line continues the item only when indented content follows.
        let j = i;
        while (j < lines.length && isBlank(lines[j])) j++;
        if (j < lines.length && indentOf(lines[j]) > listIndent) {
          body.push('');
          i++;
          continue;
        }
        break;
      }
      if (indentOf(line) > listIndent) {
        body.push(line.slice(Math.min(indentOf(line), contentIndent)));
        i++;
        continue;
      }
      // A lazy continuation line of the item's paragraph
      if (
        !startsBlock(line) &&
        body.length > 0 &&
        !isBlank(body[body.length - 1])
      ) {
        body.push(line.trim());
        i++;
        continue;
      }
      break;
    }
    const content = parseBlocks(body);
    if (content.length === 0 || content[0].type !== 'paragraph') {
      content.unshift({ type: 'paragraph' });
    }
    items.push({ type: 'listItem', content });
    // blank lines between items of the same list
    let j = i;
    while (j < lines.length && isBlank(lines[j])) j++;
    const nextItem = j < lines.length ? LIST_ITEM.exec(lines[j]) : null;
    if (j > i && nextItem && nextItem[1].length === listIndent) i = j;
  }
  const orderedStart = ordered ? parseInt(first[2], 10) : 1;
  return [
    ordered
      ? {
          type: 'orderedList',
          ...(orderedStart !== 1 ? { attrs: { order: orderedStart } } : {}),
          content: items,
        }
      : { type: 'bulletList', content: items },
    i,
  ];
}

const ESCAPABLE = /[\\`*_{}[\]()#+\-.!|~<>]/;
const URL_START = /^https?:\/\/[^\s<]+/;

function isWordChar(ch: string | undefined) {
  return ch !== undefined && /[\p{L}\p{N}]/u.test(ch);
}

function findClosing(
  text: string,
  from: number,
  delimiter: string,
  intraword: boolean,
): number {
  const ch = delimiter[0];
  for (let j = from; j < text.length; j++) {
    if (text[j] === '\\') {
      j++;
      continue;
    }
    if (text[j] === '`') {
      const run = /^`+/.exec(text.slice(j))![0];
      const close = text.indexOf(run, j + run.length);
      if (close > 0) j = close + run.length - 1;
      continue;
    }
    if (text[j] !== ch) continue;
    let run = 1;
    while (text[j + run] === ch) run++;
    if (
      j > from &&
      !/\s/.test(text[j - 1]) &&
      (intraword || !isWordChar(text[j + run])) &&
      run >= delimiter.length &&
      // a `**` run closes a strong, not a single `*`
      !(delimiter.length === 1 && run === 2)
    ) {
      // In `***`, the inner mark closes first: `**a *b***`
      return j + run - delimiter.length;
    }
    j += run - 1;
  }
  return -1;
}

/** Markdown inline syntax → ADF text nodes with marks. */
export function parseInline(text: string, marks: AdfMark[] = []): AdfNode[] {
  const out: AdfNode[] = [];
  let plain = '';
  const flush = () => {
    if (plain) out.push(textNode(plain, marks));
    plain = '';
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    const rest = text.slice(i);
    if (ch === '\\' && i + 1 < text.length && ESCAPABLE.test(text[i + 1])) {
      plain += text[i + 1];
      i += 2;
      continue;
    }
    if (ch === '`') {
      const run = /^`+/.exec(rest)![0];
      const close = text.indexOf(run, i + run.length);
      if (close > 0) {
        flush();
        let code = text.slice(i + run.length, close);
        if (/^ .* $/.test(code)) code = code.slice(1, -1);
        const link = marks.filter(m => m.type === 'link');
        out.push(textNode(code, [...link, { type: 'code' }]));
        i = close + run.length;
        continue;
      }
      plain += run;
      i += run.length;
      continue;
    }
    if (ch === '[' && !marks.some(m => m.type === 'link')) {
      const link =
        /^\[((?:\\.|[^\]\\])*)\]\(\s*<?([^\s)>]+)>?(?:\s+"[^"]*")?\s*\)/.exec(
          rest,
        );
      if (link) {
        flush();
        out.push(
          ...parseInline(link[1], [
            ...marks,
            { type: 'link', attrs: { href: link[2] } },
          ]),
        );
        i += link[0].length;
        continue;
      }
    }
    if (ch === '<') {
      const auto = /^<(https?:\/\/[^\s>]+|mailto:[^\s>]+)>/.exec(rest);
      if (auto) {
        flush();
        out.push(
          textNode(auto[1].replace(/^mailto:/, ''), [
            ...marks,
            { type: 'link', attrs: { href: auto[1] } },
          ]),
        );
        i += auto[0].length;
        continue;
      }
    }
    if (
      ch === 'h' &&
      !isWordChar(text[i - 1]) &&
      !marks.some(m => m.type === 'link')
    ) {
      const url = URL_START.exec(rest);
      if (url) {
        const href = url[0].replace(/[.,;:!?)\]*_~]+$/, '');
        flush();
        out.push(textNode(href, [...marks, { type: 'link', attrs: { href } }]));
        i += href.length;
        continue;
      }
    }
    if (ch === '*' || ch === '_' || ch === '~') {
      const double = text[i + 1] === ch;
      const delimiter = double ? ch + ch : ch;
      const intraword = ch === '*';
      const opens =
        !/\s/.test(text[i + delimiter.length] ?? ' ') &&
        (intraword || !isWordChar(text[i - 1])) &&
        (ch !== '~' || double);
      if (opens) {
        const close = findClosing(
          text,
          i + delimiter.length,
          delimiter,
          intraword,
        );
        if (close > 0) {
          let type: string;
          if (ch === '~') type = 'strike';
          else type = double ? 'strong' : 'em';
          flush();
          out.push(
            ...parseInline(text.slice(i + delimiter.length, close), [
              ...marks,
              { type },
            ]),
          );
          i = close + delimiter.length;
          continue;
        }
      }
      plain += delimiter;
      i += delimiter.length;
      continue;
    }
    plain += ch;
    i++;
  }
  flush();
  return mergeText(out);
}

/** Markdown → an ADF document (Jira Cloud's description and comment format). */
export function markdownToAdf(markdown: string): AdfDoc {
  const lines = markdown.replace(/\r\n?/g, '\n').replace(/\t/g, '    ');
  return doc(parseBlocks(lines.split('\n')));
}

// ---------------------------------------------------------------------------------------------
// ADF → Markdown

function escapeMarkdown(text: string, atLineStart: boolean): string {
  let out = text
    .replace(/[\\`*[\]]/g, c => `\\${c}`)
    .replace(/~~/g, '\\~\\~')
    .replace(/(^|[^\p{L}\p{N}])_|_(?=$|[^\p{L}\p{N}])/gu, m =>
      m.replace('_', '\\_'),
    )
    .replace(/<(?=[a-zA-Z/!])/g, '\\<');
  const lineStart = (line: string) =>
    line
      .replace(/^(\s*)([#>+-])(?=\s|$)/, '$1\\$2')
      .replace(/^(\s*)(#{1,6})(?=\s|$)/, '$1\\$2')
      .replace(/^(\s*\d+)([.)])(?=\s|$)/, '$1\\$2');
  out = out
    .split('\n')
    .map((line, index) => (index > 0 || atLineStart ? lineStart(line) : line))
    .join('\n');
  return out;
}

function safeHref(href: unknown): string {
  return String(href ?? '').replace(/[()\s]/g, c => encodeURIComponent(c));
}

const markdownInline = {
  open(mark: AdfMark) {
    switch (mark.type) {
      case 'link':
        return '[';
      case 'strong':
        return '**';
      case 'em':
        return '*';
      case 'strike':
        return '~~';
      default:
        return '';
    }
  },
  close(mark: AdfMark) {
    switch (mark.type) {
      case 'link':
        return `](${safeHref(mark.attrs?.href)})`;
      case 'strong':
        return '**';
      case 'em':
        return '*';
      case 'strike':
        return '~~';
      default:
        return '';
    }
  },
  text: escapeMarkdown,
  code(text: string) {
    const longest = Math.max(
      0,
      ...(text.match(/`+/g) ?? []).map(run => run.length),
    );
    const fence = '`'.repeat(longest + 1);
    const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
    return `${fence}${pad}${text}${pad}${fence}`;
  },
  hardBreak: () => '  \n',
  atom(node: AdfNode) {
    const attrs = node.attrs ?? {};
    switch (node.type) {
      case 'mention':
        return escapeMarkdown(String(attrs.text ?? '@someone'), false);
      case 'emoji':
        return String(attrs.text ?? attrs.shortName ?? '');
      case 'inlineCard':
        return attrs.url ? `<${attrs.url}>` : '';
      case 'date':
        return attrs.timestamp
          ? new Date(Number(attrs.timestamp)).toISOString().slice(0, 10)
          : '';
      case 'status':
        return `\\[${escapeMarkdown(String(attrs.text ?? ''), false)}\\]`;
      default:
        return escapeMarkdown(String(attrs.text ?? ''), false);
    }
  },
  trimsSpaces: true,
};

function indent(text: string, by: string, first: string) {
  return text
    .split('\n')
    .map((line, index) => {
      if (index === 0) return first + line;
      return line ? by + line : line;
    })
    .join('\n');
}

function cellText(cell: AdfNode): string {
  return (cell.content ?? [])
    .map(block =>
      isInline(block)
        ? writeInline([block], markdownInline)
        : writeInline(block.content ?? [], markdownInline),
    )
    .join(' ')
    .replace(/\n/g, ' ')
    .replace(/\|/g, '\\|');
}

function blockToMarkdown(node: AdfNode): string {
  const content = node.content ?? [];
  switch (node.type) {
    case 'paragraph':
      return writeInline(content, markdownInline);
    case 'heading': {
      const level = Math.min(
        6,
        Math.max(1, Math.trunc(Number(node.attrs?.level)) || 1),
      );
      return `${'#'.repeat(level)} ${writeInline(content, markdownInline)}`;
    }
    case 'bulletList':
      return content
        .map(item => indent(itemToMarkdown(item), '  ', '- '))
        .join('\n');
    case 'orderedList': {
      const start = Number(node.attrs?.order ?? 1) || 1;
      return content
        .map((item, index) => {
          const marker = `${start + index}. `;
          return indent(
            itemToMarkdown(item),
            ' '.repeat(marker.length),
            marker,
          );
        })
        .join('\n');
    }
    case 'taskList':
    case 'decisionList':
      return content
        .map(item => {
          const done =
            item.attrs?.state === 'DONE' || item.attrs?.state === 'DECIDED';
          const text = item.content?.every(isInline)
            ? writeInline(item.content, markdownInline)
            : blocksToMarkdown(item.content ?? []);
          return indent(text, '  ', done ? '- [x] ' : '- [ ] ');
        })
        .join('\n');
    case 'codeBlock': {
      const text = content.map(c => c.text ?? '').join('');
      const longest = Math.max(
        2,
        ...(text.match(/`+/g) ?? []).map(run => run.length),
      );
      const fence = '`'.repeat(longest + 1);
      const language = String(node.attrs?.language ?? '').replace(
        /[^\w+#.-]/g,
        '',
      );
      return `${fence}${language}\n${text}\n${fence}`;
    }
    case 'blockquote':
    case 'panel':
      return blocksToMarkdown(content)
        .split('\n')
        .map(line => (line ? `> ${line}` : '>'))
        .join('\n');
    case 'rule':
      return '---';
    case 'table': {
      const rows = content.map(row => (row.content ?? []).map(cellText));
      if (rows.length === 0) return '';
      const width = Math.max(...rows.map(r => r.length));
      const line = (cells: string[]) =>
        `| ${[...cells, ...Array(width - cells.length).fill('')].join(
          ' | ',
        )} |`;
      return [
        line(rows[0]),
        line(Array(width).fill('---')),
        ...rows.slice(1).map(line),
      ].join('\n');
    }
    case 'mediaSingle':
    case 'mediaGroup':
    case 'media':
    case 'mediaInline':
      return '*(attachment)*';
    case 'expand':
    case 'nestedExpand': {
      const title = node.attrs?.title
        ? `**${escapeMarkdown(String(node.attrs.title), false)}**\n\n`
        : '';
      return title + blocksToMarkdown(content);
    }
    default:
      if (content.length && content.every(isInline)) {
        return writeInline(content, markdownInline);
      }
      return blocksToMarkdown(content);
  }
}

/** A list item's blocks; a nested list follows its paragraph without a blank line. */
function itemToMarkdown(item: AdfNode): string {
  let out = '';
  for (const child of item.content ?? []) {
    const text = blocksToMarkdown([child]);
    if (out === '') out = text;
    else if (child.type === 'bulletList' || child.type === 'orderedList') {
      out += `\n${text}`;
    } else out += `\n\n${text}`;
  }
  return out;
}

function blocksToMarkdown(nodes: AdfNode[]): string {
  const out: string[] = [];
  let inlineRun: AdfNode[] = [];
  const flush = () => {
    if (inlineRun.length) out.push(writeInline(inlineRun, markdownInline));
    inlineRun = [];
  };
  for (const node of nodes) {
    if (isInline(node)) {
      inlineRun.push(node);
      continue;
    }
    flush();
    const text = blockToMarkdown(node);
    if (text !== '') out.push(text);
  }
  flush();
  return out.join('\n\n');
}

/** An ADF document (or any ADF node) → Markdown. */
export function adfToMarkdown(
  node: AdfDoc | AdfNode | null | undefined,
): string {
  if (!node) return '';
  return blocksToMarkdown(node.type === 'doc' ? node.content ?? [] : [node]);
}
