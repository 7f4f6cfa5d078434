export type ServerSentEvent = { id?: string; event: string; data: string };

/**
 * Reads a `text/event-stream` body into events, yielding everything each network chunk
 * completed at once (a busy log sends thousands of lines per chunk).
 */
export async function* parseServerSentEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<ServerSentEvent[]> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      const events: ServerSentEvent[] = [];
      let end = buffer.indexOf('\n\n');
      let start = 0;
      while (end !== -1) {
        const block = buffer.slice(start, end);
        start = end + 2;
        end = buffer.indexOf('\n\n', start);
        const event: ServerSentEvent = { event: 'message', data: '' };
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (!line || line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon === -1 ? line : line.slice(0, colon);
          let fieldValue = colon === -1 ? '' : line.slice(colon + 1);
          if (fieldValue.startsWith(' ')) fieldValue = fieldValue.slice(1);
          if (field === 'data') data.push(fieldValue);
          else if (field === 'event') event.event = fieldValue;
          else if (field === 'id') event.id = fieldValue;
        }
        if (data.length) {
          event.data = data.join('\n');
          events.push(event);
        }
      }
      buffer = buffer.slice(start);
      if (events.length) yield events;
    }
  } finally {
    reader.releaseLock();
  }
}
