/**
 * A small ANSI SGR parser: colours (16, 256 and 24-bit), bold, dim, italic, underline and
 * inverse. Other escape sequences (cursor movement, OSC titles) are dropped. Output is plain
 * text segments with styles, rendered as React text, so log text is never parsed as HTML.
 */
export type AnsiStyle = {
  fg?: string;
  bg?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
};

export type AnsiSegment = { text: string; style?: AnsiStyle };

// Tuned for the viewer's dark background: every colour but black keeps a 4.5:1 contrast.
const BASIC = [
  '#000000',
  '#f47067',
  '#3fcf8e',
  '#e0b341',
  '#6cb6ff',
  '#dc8bdc',
  '#39c5cf',
  '#e5e5e5',
];
const BRIGHT = [
  '#9a9a9a',
  '#ff8b82',
  '#6ee7a8',
  '#f5d36b',
  '#96ccff',
  '#ecaaec',
  '#72e0e8',
  '#ffffff',
];

function color256(n: number): string | undefined {
  if (n < 0 || n > 255) return undefined;
  if (n < 8) return BASIC[n];
  if (n < 16) return BRIGHT[n - 8];
  if (n < 232) {
    const v = n - 16;
    const levels = [0, 95, 135, 175, 215, 255];
    const r = levels[Math.floor(v / 36)];
    const g = levels[Math.floor((v % 36) / 6)];
    const b = levels[v % 6];
    return `rgb(${r},${g},${b})`;
  }
  const grey = 8 + (n - 232) * 10;
  return `rgb(${grey},${grey},${grey})`;
}

function applyCodes(style: AnsiStyle, codes: number[]): AnsiStyle {
  const next: AnsiStyle = { ...style };
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i];
    if (code === 0) {
      for (const key of Object.keys(next)) delete next[key as keyof AnsiStyle];
    } else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4) next.underline = true;
    else if (code === 7) next.inverse = true;
    else if (code === 22) {
      delete next.bold;
      delete next.dim;
    } else if (code === 23) delete next.italic;
    else if (code === 24) delete next.underline;
    else if (code === 27) delete next.inverse;
    else if (code >= 30 && code <= 37) next.fg = BASIC[code - 30];
    else if (code === 39) delete next.fg;
    else if (code >= 40 && code <= 47) next.bg = BASIC[code - 40];
    else if (code === 49) delete next.bg;
    else if (code >= 90 && code <= 97) next.fg = BRIGHT[code - 90];
    else if (code >= 100 && code <= 107) next.bg = BRIGHT[code - 100];
    else if (code === 38 || code === 48) {
      const key = code === 38 ? 'fg' : 'bg';
      if (codes[i + 1] === 5) {
        const value = color256(codes[i + 2]);
        if (value) next[key] = value;
        i += 2;
      } else if (codes[i + 1] === 2) {
        const [r, g, b] = codes.slice(i + 2, i + 5);
        if ([r, g, b].every(v => v >= 0 && v <= 255)) {
          next[key] = `rgb(${r},${g},${b})`;
        }
        i += 4;
      }
    }
  }
  return next;
}

// CSI sequences (ESC [ … final byte) and OSC sequences (ESC ] … BEL or ESC \)
/* eslint-disable no-control-regex */
const ESCAPE =
  /\u001b\[([0-9;:?]*)([@-~])|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;
/* eslint-enable no-control-regex */

/** Splits a line into styled segments. */
export function parseAnsi(line: string): AnsiSegment[] {
  if (!line.includes('\u001b')) return [{ text: line }];
  const segments: AnsiSegment[] = [];
  let style: AnsiStyle = {};
  let last = 0;
  ESCAPE.lastIndex = 0;
  for (let match = ESCAPE.exec(line); match; match = ESCAPE.exec(line)) {
    if (match.index > last) {
      segments.push({
        text: line.slice(last, match.index),
        style: Object.keys(style).length ? style : undefined,
      });
    }
    last = match.index + match[0].length;
    if (match[2] === 'm') {
      const codes = (match[1] || '0')
        .split(/[;:]/)
        .map(c => (c === '' ? 0 : Number(c)));
      style = applyCodes(style, codes);
    }
  }
  if (last < line.length) {
    segments.push({
      text: line.slice(last),
      style: Object.keys(style).length ? style : undefined,
    });
  }
  return segments;
}

/** The text without escape sequences, for search and copy. */
export function stripAnsi(line: string): string {
  if (!line.includes('\u001b')) return line;
  ESCAPE.lastIndex = 0;
  return line.replace(ESCAPE, '');
}

export function cssOf(style?: AnsiStyle): React.CSSProperties | undefined {
  if (!style) return undefined;
  const fg = style.inverse ? style.bg ?? '#1e1e1e' : style.fg;
  const bg = style.inverse ? style.fg ?? '#e5e5e5' : style.bg;
  return {
    color: fg,
    backgroundColor: bg,
    fontWeight: style.bold ? 700 : undefined,
    opacity: style.dim ? 0.7 : undefined,
    fontStyle: style.italic ? 'italic' : undefined,
    textDecoration: style.underline ? 'underline' : undefined,
  };
}
