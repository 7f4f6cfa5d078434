import type { RecordingModifier } from './recordingMessages';

/** Where the live view is drawn: its box on screen (`getBoundingClientRect()`). */
export type DisplayedBox = {
  left: number;
  top: number;
  width: number;
  height: number;
};

/** The page's viewport in CSS pixels, as the last frame reported it. */
export type FrameSize = { width: number; height: number };

/**
 * Maps a pointer position on the displayed live view to the page's viewport: the view may be
 * scaled to fit the panel, the page's coordinates are the frame's. Positions outside the view
 * are clamped to its edge, so a drag that leaves the view still ends inside the page.
 */
export function mapToFrame(
  clientX: number,
  clientY: number,
  box: DisplayedBox,
  frame: FrameSize,
): { x: number; y: number } {
  if (box.width <= 0 || box.height <= 0) return { x: 0, y: 0 };
  const clamp = (value: number, max: number) =>
    Math.min(Math.max(value, 0), max);
  const x = ((clientX - box.left) / box.width) * frame.width;
  const y = ((clientY - box.top) / box.height) * frame.height;
  return {
    x: Math.round(clamp(x, frame.width - 1) * 100) / 100,
    y: Math.round(clamp(y, frame.height - 1) * 100) / 100,
  };
}

/** The modifiers held during a DOM mouse or keyboard event. */
export function modifiersOf(event: {
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
}): RecordingModifier[] {
  const modifiers: RecordingModifier[] = [];
  if (event.altKey) modifiers.push('Alt');
  if (event.ctrlKey) modifiers.push('Control');
  if (event.metaKey) modifiers.push('Meta');
  if (event.shiftKey) modifiers.push('Shift');
  return modifiers;
}

/** DOM `MouseEvent.button` to the socket's button name. */
export function buttonName(button: number): 'left' | 'middle' | 'right' {
  if (button === 1) return 'middle';
  if (button === 2) return 'right';
  return 'left';
}

/**
 * How a key event is forwarded: printable text without Control/Meta is inserted as text (so
 * layouts and dead keys give what the user sees), everything else is a key down/up by name.
 */
export function classifyKey(event: {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
}): 'text' | 'key' {
  const printable = event.key.length === 1;
  return printable && !event.ctrlKey && !event.metaKey ? 'text' : 'key';
}
