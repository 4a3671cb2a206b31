import type { Response } from 'express';
import type { Logger } from '../../logger';
import { unavailableDependency } from '../http/dependency-errors';
import { sendError } from '../http/envelope';

/** How often the shared snapshot is recomputed while someone watches: well inside the 1 s the operator is promised. */
export const LIVE_REFRESH_MS = 250;
/** A comment line now and then keeps proxies and the browser from timing out an idle stream. */
const KEEP_ALIVE_MS = 15_000;
/** Computations allowed to overlap when one is slow. */
const MAX_IN_FLIGHT = 4;
/** A client this far behind is not reading: drop it rather than buffer for it. */
const MAX_BUFFERED_BYTES = 1 << 20;

interface Message {
  event: 'snapshot' | 'problem';
  data: string;
}

/**
 * Server-sent events for the dashboard: ONE computation per API process, shared by every viewer. While at
 * least one client is connected it recomputes the snapshot every LIVE_REFRESH_MS (a slow one may overlap the
 * next, up to MAX_IN_FLIGHT) and pushes it only when it changed; with nobody connected it does nothing at all.
 */
export class LiveFeed {
  private readonly clients = new Set<Response>();
  private last: Message | undefined;
  private running = false;
  private closed = false;
  private wake: (() => void) | undefined;
  /** Aborts the computations in flight when the loop stops: none may outlive the connections they use. */
  private computing = new AbortController();
  private lastWriteAt = 0;
  private inFlight = 0;
  /** Sequence numbers of computations started and of the newest one whose result was applied. */
  private started = 0;
  private applied = 0;

  constructor(
    /** Computes the snapshot; must give up when `signal` aborts (nobody watches any more, or shutdown). */
    private readonly compute: (signal: AbortSignal) => Promise<object>,
    private readonly logger: Logger,
    shutdown?: AbortSignal,
    private readonly refreshMs = LIVE_REFRESH_MS,
  ) {
    shutdown?.addEventListener('abort', () => this.close(), { once: true });
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Turns the response into an event stream until the client goes away (or the feed closes). */
  subscribe(res: Response): void {
    if (this.closed) {
      sendError(res, 503, 'The server is shutting down');
      return;
    }
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write(': live\n\n');
    this.clients.add(res);
    // A newcomer gets the current snapshot at once; the first one waits for the first computation.
    if (this.last) this.send(res, this.last);
    res.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stopComputing();
    });
    if (!this.running) void this.loop();
  }

  /** Ends every stream and stops computing (the host is shutting down). */
  close(): void {
    this.closed = true;
    for (const client of this.clients) client.end();
    this.clients.clear();
    this.stopComputing();
  }

  private stopComputing(): void {
    this.computing.abort();
    this.wake?.();
  }

  private async loop(): Promise<void> {
    this.running = true;
    this.computing = new AbortController();
    try {
      while (this.clients.size > 0 && !this.closed) {
        // Everyone left and someone came back before the loop noticed: compute afresh.
        if (this.computing.signal.aborted) this.computing = new AbortController();
        // A computation that hangs (e.g. a query that waits for the breaker workflow's task in flight)
        // must not hold up the next ones: start one per tick, a few at most at once, newest result wins.
        if (this.inFlight < MAX_IN_FLIGHT) void this.refresh(++this.started, this.computing.signal);
        if (Date.now() - this.lastWriteAt > KEEP_ALIVE_MS) this.broadcastRaw(': keep-alive\n\n');
        await this.sleep(this.refreshMs);
      }
    } finally {
      this.running = false;
      // Nobody watches: the next viewer must not be shown a stale snapshot.
      this.last = undefined;
      this.applied = this.started;
    }
  }

  private async refresh(sequence: number, signal: AbortSignal): Promise<void> {
    this.inFlight += 1;
    let next: Message;
    try {
      next = { event: 'snapshot', data: JSON.stringify(await this.compute(signal)) };
    } catch (error) {
      if (signal.aborted) return;
      const dependency = unavailableDependency(error);
      const detail = dependency === 'database' ? 'Database is unavailable' : dependency ? 'Temporal is unavailable' : 'The live view could not be computed';
      if (this.last?.event !== 'problem') this.logger.warn({ err: error, event: 'live_feed_failed' }, `Live feed: ${detail}`);
      next = { event: 'problem', data: JSON.stringify({ detail: `${detail}: showing the last known state` }) };
    } finally {
      this.inFlight -= 1;
    }
    // An older computation that finishes after a newer one is stale: drop it.
    if (sequence <= this.applied || signal.aborted) return;
    this.applied = sequence;
    if (this.last?.event === next.event && this.last.data === next.data) return;
    this.last = next;
    for (const client of this.clients) this.send(client, next);
  }

  private send(client: Response, message: Message): void {
    this.write(client, `event: ${message.event}\ndata: ${message.data}\n\n`);
  }

  private broadcastRaw(chunk: string): void {
    for (const client of this.clients) this.write(client, chunk);
  }

  private write(client: Response, chunk: string): void {
    if (client.writableLength > MAX_BUFFERED_BYTES) {
      this.clients.delete(client);
      client.destroy();
      return;
    }
    client.write(chunk);
    this.lastWriteAt = Date.now();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
