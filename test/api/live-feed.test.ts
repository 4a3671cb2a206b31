/**
 * The live feed's sharing rules, with a counting compute function in place of the database and Temporal:
 * one computation per tick whatever the number of viewers, a push only on change, nothing computed while
 * nobody watches, and every stream ended on shutdown.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { LiveFeed } from '../../src/api/queue-management/live-feed';
import { createLogger } from '../../src/logger';
import { SseParser } from '../../src/dashboard/sse';
import { until } from '../helpers/until';

const REFRESH_MS = 50;

describe('LiveFeed', () => {
  let server: Server;
  let url: string;
  let computations = 0;
  let value = 'a';
  const shutdown = new AbortController();
  const feed = new LiveFeed(
    () => {
      computations += 1;
      return Promise.resolve({ value });
    },
    createLogger({ level: 'silent' }),
    shutdown.signal,
    REFRESH_MS,
  );

  beforeAll(async () => {
    const app = express();
    app.get('/stream', (_req, res) => feed.subscribe(res));
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`;
  });
  afterAll(async () => {
    shutdown.abort();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** A viewer: collects every `snapshot` message's value. */
  async function connect() {
    const abort = new AbortController();
    const response = await fetch(url, { signal: abort.signal });
    const values: string[] = [];
    const parser = new SseParser();
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const done = (async () => {
      try {
        for (;;) {
          const { value: chunk, done: ended } = await reader.read();
          if (ended) return 'ended';
          for (const message of parser.push(chunk)) values.push((JSON.parse(message.data) as { value: string }).value);
        }
      } catch {
        return 'aborted';
      }
    })();
    return { values, done, close: () => abort.abort() };
  }

  it('computes once per tick for all viewers, pushes only changes, and rests while nobody watches', async () => {
    expect(computations).toBe(0);
    const viewers = await Promise.all(Array.from({ length: 5 }, connect));
    await until(() => viewers.every((v) => v.values.length === 1), 'every viewer has the first snapshot', { intervalMs: 10 });

    const before = computations;
    await new Promise((resolve) => setTimeout(resolve, REFRESH_MS * 10));
    const perTick = (computations - before) / 10;
    expect(perTick).toBeGreaterThan(0.5); // it keeps computing while watched...
    expect(perTick).toBeLessThanOrEqual(1.2); // ...once per tick, not once per viewer
    expect(viewers.map((v) => v.values)).toEqual(Array.from({ length: 5 }, () => ['a'])); // nothing changed, nothing pushed

    value = 'b';
    await until(() => viewers.every((v) => v.values.length === 2), 'every viewer has the change', { intervalMs: 10 });
    expect(viewers[0]!.values).toEqual(['a', 'b']);

    // A late viewer gets the current snapshot at once.
    const late = await connect();
    await until(() => late.values.length === 1, 'the late viewer has the snapshot', { intervalMs: 10 });
    expect(late.values).toEqual(['b']);

    for (const viewer of [...viewers, late]) viewer.close();
    await until(() => feed.clientCount === 0, 'every viewer gone', { intervalMs: 10 });
    await new Promise((resolve) => setTimeout(resolve, REFRESH_MS * 2));
    const resting = computations;
    await new Promise((resolve) => setTimeout(resolve, REFRESH_MS * 6));
    expect(computations).toBe(resting);
  });

  it('ends every stream on shutdown', async () => {
    const viewer = await connect();
    await until(() => viewer.values.length === 1, 'snapshot', { intervalMs: 10 });
    shutdown.abort();
    expect(await viewer.done).toBe('ended');
    expect((await fetch(url)).status).toBe(503);
  });
});

describe('LiveFeed when the snapshot cannot be computed', () => {
  it('tells viewers once, in a `problem` event, and recovers by itself', async () => {
    let failing = true;
    const shutdown = new AbortController();
    const feed = new LiveFeed(
      () => (failing ? Promise.reject(new Error('connection refused')) : Promise.resolve({ ok: true })),
      createLogger({ level: 'silent' }),
      shutdown.signal,
      REFRESH_MS,
    );
    const app = express();
    app.get('/stream', (_req, res) => feed.subscribe(res));
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`);
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      const parser = new SseParser();
      const seen: { event: string; data: string }[] = [];
      const read = async (count: number) => {
        while (seen.length < count) seen.push(...parser.push((await reader.read()).value ?? ''));
      };
      await read(1);
      await new Promise((resolve) => setTimeout(resolve, REFRESH_MS * 4)); // still failing: nothing new is sent
      failing = false;
      await read(2);
      expect(seen).toEqual([
        { event: 'problem', data: JSON.stringify({ detail: 'The live view could not be computed: showing the last known state' }) },
        { event: 'snapshot', data: JSON.stringify({ ok: true }) },
      ]);
    } finally {
      shutdown.abort();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('SseParser', () => {
  it('reassembles messages split anywhere and skips keep-alive comments', () => {
    const parser = new SseParser();
    const text = ': live\n\nevent: snapshot\ndata: {"a":1}\n\n: keep-alive\n\nevent: problem\ndata: {"detail":"x"}\n\n';
    const messages = [];
    for (let i = 0; i < text.length; i += 3) messages.push(...parser.push(text.slice(i, i + 3)));
    expect(messages).toEqual([
      { event: 'snapshot', data: '{"a":1}' },
      { event: 'problem', data: '{"detail":"x"}' },
    ]);
  });
});
