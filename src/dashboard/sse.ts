export interface SseMessage {
  event: string;
  data: string;
}

/**
 * Incremental parser of a text/event-stream body: feed it decoded chunks as they arrive (a message may be
 * split anywhere), get back the complete messages. Comments (`: ...`) are keep-alives and are skipped.
 */
export class SseParser {
  private buffer = '';

  push(chunk: string): SseMessage[] {
    this.buffer = (this.buffer + chunk).replace(/\r\n/g, '\n');
    const messages: SseMessage[] = [];
    for (let end = this.buffer.indexOf('\n\n'); end >= 0; end = this.buffer.indexOf('\n\n')) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length > 0) messages.push({ event, data: data.join('\n') });
    }
    return messages;
  }
}

/** Reconnect delay after `attempt` consecutive failures: 0.5 s doubling up to 15 s, with jitter so many tabs do not reconnect in step. */
export function backoffMs(attempt: number, random = Math.random()): number {
  const base = Math.min(15_000, 500 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random));
}
