/**
 * The Atlassian Document Format (ADF), the subset Comet reads and writes. ADF is the common
 * representation of the converters: Markdown and Jira wiki markup are parsed into it and
 * serialised from it, so Markdown ↔ wiki is Markdown → ADF → wiki and back.
 */

export type AdfMark = { type: string; attrs?: Record<string, unknown> };

export type AdfNode = {
  type: string;
  attrs?: Record<string, unknown>;
  content?: AdfNode[];
  text?: string;
  marks?: AdfMark[];
};

export type AdfDoc = { type: 'doc'; version: 1; content: AdfNode[] };

/** The marks Comet maps between the formats, outermost first. */
export const MARK_ORDER = [
  'link',
  'strong',
  'em',
  'strike',
  'underline',
  'subsup',
  'code',
] as const;

export function doc(content: AdfNode[]): AdfDoc {
  return { type: 'doc', version: 1, content };
}

export function isAdfDoc(value: unknown): value is AdfDoc {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as AdfDoc).type === 'doc' &&
    Array.isArray((value as AdfDoc).content)
  );
}

function sameMark(a: AdfMark, b: AdfMark) {
  return (
    a.type === b.type && JSON.stringify(a.attrs) === JSON.stringify(b.attrs)
  );
}

function sameMarks(a: AdfMark[] = [], b: AdfMark[] = []) {
  return a.length === b.length && a.every((m, i) => sameMark(m, b[i]));
}

/** Sorts marks outermost first and drops the ones Comet does not map (colours, alignment). */
export function canonicalMarks(marks: AdfMark[] = []): AdfMark[] {
  const rank = (m: AdfMark) =>
    (MARK_ORDER as readonly string[]).indexOf(m.type);
  return marks.filter(m => rank(m) >= 0).sort((a, b) => rank(a) - rank(b));
}

/** A text node, without empty marks. */
export function textNode(text: string, marks: AdfMark[] = []): AdfNode {
  const canonical = canonicalMarks(marks);
  return canonical.length
    ? { type: 'text', text, marks: canonical }
    : { type: 'text', text };
}

/** Joins neighbouring text nodes with the same marks and drops empty ones. */
export function mergeText(nodes: AdfNode[]): AdfNode[] {
  const out: AdfNode[] = [];
  for (const node of nodes) {
    if (node.type === 'text') {
      if (!node.text) continue;
      const last = out[out.length - 1];
      if (last?.type === 'text' && sameMarks(last.marks, node.marks)) {
        out[out.length - 1] = { ...last, text: last.text! + node.text };
        continue;
      }
    }
    out.push(node);
  }
  return out;
}

/** A paragraph of inline nodes (ADF allows an empty paragraph). */
export function paragraph(content: AdfNode[]): AdfNode {
  const merged = mergeText(content);
  return merged.length
    ? { type: 'paragraph', content: merged }
    : { type: 'paragraph' };
}

/** The plain text of a node, for summaries and empty checks. */
export function adfToPlainText(node: AdfNode | AdfDoc | undefined): string {
  if (!node) return '';
  if (node.type === 'text') return (node as AdfNode).text ?? '';
  if (node.type === 'hardBreak') return '\n';
  const attrs = (node as AdfNode).attrs ?? {};
  if (node.type === 'mention' || node.type === 'emoji') {
    return String(attrs.text ?? attrs.shortName ?? '');
  }
  if (node.type === 'inlineCard') return String(attrs.url ?? '');
  const inner = (node.content ?? []).map(adfToPlainText);
  const blocky = (node.content ?? []).some(c => !isInline(c));
  return inner.join(blocky ? '\n' : '');
}

const INLINE_TYPES = new Set([
  'text',
  'hardBreak',
  'mention',
  'emoji',
  'inlineCard',
  'date',
  'status',
  'placeholder',
  'inlineExtension',
  'mediaInline',
]);

export function isInline(node: AdfNode): boolean {
  return INLINE_TYPES.has(node.type);
}

/** How a target format writes inline content: marks open and close around text. */
export type InlineWriter = {
  open(mark: AdfMark): string;
  close(mark: AdfMark): string;
  /** Escapes plain text; `atLineStart` when it begins a line. */
  text(text: string, atLineStart: boolean): string;
  /** Text with the code mark (never combined with other marks but a link). */
  code(text: string): string;
  hardBreak(): string;
  /** mention, emoji, inlineCard, date, status, … */
  atom(node: AdfNode): string;
  /** Whether a mark can hold leading or trailing spaces (Markdown's `**` cannot). */
  trimsSpaces: boolean;
};

/**
 * Serialises inline nodes, opening and closing marks the way nested formats need: a mark shared
 * by neighbouring nodes is opened once, so `**a *b***` does not become `**a****b**`.
 */
export function writeInline(nodes: AdfNode[], writer: InlineWriter): string {
  let out = '';
  const stack: AdfMark[] = [];
  let atLineStart = true;
  // Spaces at the end of a marked text, written once we know which marks close before them
  let pendingTrail = '';
  const closeTo = (depth: number) => {
    while (stack.length > depth) out += writer.close(stack.pop()!);
  };
  const flushTrail = () => {
    if (pendingTrail) out += writer.text(pendingTrail, false);
    pendingTrail = '';
  };
  for (const node of nodes) {
    if (node.type !== 'text') {
      closeTo(0);
      flushTrail();
      out += node.type === 'hardBreak' ? writer.hardBreak() : writer.atom(node);
      atLineStart = node.type === 'hardBreak';
      continue;
    }
    const all = canonicalMarks(node.marks);
    const code = all.some(m => m.type === 'code');
    const marks = all.filter(m => m.type !== 'code');
    let keep = 0;
    while (
      keep < stack.length &&
      keep < marks.length &&
      sameMark(stack[keep], marks[keep])
    ) {
      keep++;
    }
    let text = node.text ?? '';
    let lead = '';
    let trail = '';
    if (writer.trimsSpaces && (marks.length > keep || code)) {
      lead = /^\s*/.exec(text)![0];
      text = text.slice(lead.length);
    }
    if (writer.trimsSpaces && (marks.length || code)) {
      trail = /\s*$/.exec(text)![0];
      text = text.slice(0, text.length - trail.length);
    }
    closeTo(keep);
    flushTrail();
    if (lead) {
      out += writer.text(lead, atLineStart);
      atLineStart = false;
    }
    if (!text) {
      pendingTrail = trail;
      continue;
    }
    for (const mark of marks.slice(keep)) {
      out += writer.open(mark);
      stack.push(mark);
    }
    out += code ? writer.code(text) : writer.text(text, atLineStart);
    atLineStart = false;
    pendingTrail = trail;
  }
  closeTo(0);
  flushTrail();
  return out;
}
