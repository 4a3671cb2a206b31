/** What each simulated service provides: its routes (as plain functions) and its ways of failing. */
import type { IncomingHttpHeaders } from 'node:http';
import type { ServiceName } from '../providers/types';

export interface SimRequest {
  headers: IncomingHttpHeaders;
  query: Record<string, unknown>;
  body: unknown;
}

export interface SimReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** A 2xx that reports a failure in its body (MillionVerifier does this); counted as a failure. */
  failed?: boolean;
}

export interface SimRoute {
  method: 'get' | 'post';
  path: string;
  handle(request: SimRequest): SimReply | Promise<SimReply>;
}

export interface SimService {
  name: ServiceName;
  routes: SimRoute[];
  /** An HTTP error in this service's own error envelope. */
  errorReply(status: number, message: string): SimReply;
  /** This service's "out of credits / quota" answer. */
  quotaReply(): SimReply;
  /** A 2xx answer that breaks the API's promise. */
  malformedReply(): SimReply;
  /** Forget stored state (Instantly's leads, MillionVerifier's credits). */
  reset(): void;
}

export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return match?.[1];
}

/** Total characters of a chat request's messages: the simulated context-length check. */
export function messagesLength(messages: ReadonlyArray<{ content?: unknown }>): number {
  return messages.reduce((sum, message) => sum + (typeof message.content === 'string' ? message.content.length : JSON.stringify(message.content ?? '').length), 0);
}

/** "Label: value" lines our prompts use, read back so fake answers can mention the lead. */
export function labelledValue(text: string, label: string): string | undefined {
  const match = new RegExp(`^${label}:\\s*(.+)$`, 'im').exec(text);
  return match?.[1]?.trim();
}
