import type {
  TestStep,
  TestTarget,
} from '@internal/plugin-test-recorder-common';

/** Keyboard modifiers, as the recording socket names them. */
export type RecordingModifier = 'Alt' | 'Control' | 'Meta' | 'Shift';

/** What the recorder page sends over `/recordings/socket` (the backend's WebSocket contract). */
export type RecordingClientMessage =
  | {
      type: 'mouse';
      action: 'down' | 'up' | 'move' | 'wheel';
      x: number;
      y: number;
      button?: 'left' | 'right' | 'middle';
      clickCount?: number;
      deltaX?: number;
      deltaY?: number;
      modifiers?: RecordingModifier[];
      sentAt: number;
    }
  | {
      type: 'key';
      action: 'down' | 'up' | 'press' | 'insertText';
      key?: string;
      text?: string;
      modifiers?: RecordingModifier[];
      sentAt: number;
    }
  | { type: 'resize'; width: number; height: number }
  | { type: 'navigate'; url: string }
  | { type: 'back' }
  | { type: 'reload' }
  | { type: 'pick'; enabled: boolean }
  | { type: 'replay'; steps: TestStep[]; toIndex: number };

/** Why the backend flagged a locator as fragile, and what to do about it. */
export type FragileNote = { reason: string; suggestion: string };

/** The element the user picked for an assertion, with what the page showed of it. */
export type PickedElement = {
  target: TestTarget;
  fragile?: FragileNote;
  state: {
    tagName: string;
    text?: string;
    value?: string;
    checked?: boolean;
    visible: boolean;
  };
};

/** What the backend sends over `/recordings/socket`. */
export type RecordingServerMessage =
  | {
      type: 'frame';
      /** base64 JPEG */
      data: string;
      width: number;
      height: number;
      seq: number;
      inputSentAt?: number;
    }
  | {
      type: 'ready';
      url: string;
      viewport: { width: number; height: number };
    }
  | { type: 'url'; url: string; title?: string }
  | {
      type: 'step';
      step: TestStep;
      fragile?: FragileNote;
      replacesStepId?: string;
    }
  | ({ type: 'picked' } & PickedElement)
  | {
      type: 'replayed';
      index: number;
      status: 'passed' | 'failed';
      error?: string;
    }
  | { type: 'webServer'; status: string; message?: string }
  | { type: 'error'; message: string }
  | { type: 'closed'; reason: string };

/**
 * The part of a WebSocket the recorder uses: a real `WebSocket` is one, and tests pass a fake.
 */
export interface RecordingSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(
    type: 'open' | 'close' | 'error' | 'message',
    listener: (event: any) => void,
  ): void;
  removeEventListener(
    type: 'open' | 'close' | 'error' | 'message',
    listener: (event: any) => void,
  ): void;
}
