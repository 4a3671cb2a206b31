import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logger';

export interface LogLine {
  msg: string;
  [key: string]: unknown;
}

/** The product's JSON logger, writing into an array that tests can search. */
export function capturedLogger(name?: string): { lines: LogLine[]; logger: Logger } {
  const lines: LogLine[] = [];
  const logger = createLogger(
    { level: 'info', name },
    new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
        done();
      },
    }),
  );
  return { lines, logger };
}
