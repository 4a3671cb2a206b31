import { useEffect, useState } from 'react';
import { API } from './api';
import { backoffMs, SseParser } from './sse';
import type { Snapshot } from './types';

/** No byte for this long (the server sends a keep-alive every 15 s) means a dead connection: reconnect. */
const SILENCE_MS = 40_000;

export type Connection = { state: 'connecting' } | { state: 'live' } | { state: 'reconnecting'; retryAt: number; reason: string };

export interface Live {
  connection: Connection;
  snapshot: Snapshot | null;
  /** The server is up but cannot compute the view (Temporal or the database down). */
  problem: string | null;
}

/**
 * The live stream (server-sent events over fetch, since EventSource cannot send the Authorization header).
 * Reconnects by itself with backoff; a refused key (401) signs the tab out.
 */
export function useLive(apiKey: string, onRefused: (detail: string) => void): Live {
  const [connection, setConnection] = useState<Connection>({ state: 'connecting' });
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    const stopped = new AbortController();
    let failures = 0;

    async function connectOnce(): Promise<string> {
      const attempt = new AbortController();
      const abortAll = () => attempt.abort();
      stopped.signal.addEventListener('abort', abortAll);
      let silence = setTimeout(abortAll, SILENCE_MS);
      try {
        const response = await fetch(`${API}/queue-management/stream`, {
          headers: { Authorization: `Bearer ${apiKey}`, Accept: 'text/event-stream' },
          cache: 'no-store',
          signal: attempt.signal,
        });
        if (response.status === 401 || response.status === 403) {
          onRefused('The server refused this key: sign in again');
          stopped.abort();
          return 'refused';
        }
        if (!response.ok || !response.body) return `the server answered HTTP ${response.status}`;
        setConnection({ state: 'live' });
        failures = 0;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        const parser = new SseParser();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return 'the server closed the stream';
          clearTimeout(silence);
          silence = setTimeout(abortAll, SILENCE_MS);
          for (const message of parser.push(value)) {
            if (message.event === 'snapshot') {
              setSnapshot(JSON.parse(message.data) as Snapshot);
              setProblem(null);
            } else if (message.event === 'problem') {
              setProblem((JSON.parse(message.data) as { detail: string }).detail);
            }
          }
        }
      } catch {
        return 'the connection was lost';
      } finally {
        clearTimeout(silence);
        stopped.signal.removeEventListener('abort', abortAll);
      }
    }

    void (async () => {
      while (!stopped.signal.aborted) {
        const reason = await connectOnce();
        if (stopped.signal.aborted) return;
        failures += 1;
        const delay = backoffMs(failures);
        setConnection({ state: 'reconnecting', retryAt: Date.now() + delay, reason });
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    })();
    return () => stopped.abort();
  }, [apiKey, onRefused]);

  return { connection, snapshot, problem };
}
