import { z } from 'zod';
import { isServiceName, SERVICES } from '../../providers/types';
import { STANDALONE } from '../http/validate';

const SHOWN_INPUT_CHARS = 100;

/** The seed's exact wording (a Python list of the valid names), kept for API compatibility. */
export function invalidServiceNameMessage(value: string): string {
  const shown = value.length > SHOWN_INPUT_CHARS ? `${value.slice(0, SHOWN_INPUT_CHARS)}...` : value;
  return `Invalid service name: ${shown}. Valid services: [${SERVICES.map((s) => `'${s}'`).join(', ')}]`;
}

/** A service key, case-insensitive as in the seed (`APOLLO` is `apollo`); anything else is a 400. */
export const serviceName = z.string().transform((value, ctx) => {
  const service = value.toLowerCase();
  if (isServiceName(service)) return service;
  ctx.addIssue({ code: 'custom', message: invalidServiceNameMessage(value), params: STANDALONE });
  return z.NEVER;
}).meta({ description: 'A service key (case-insensitive: APOLLO is apollo)', enum: [...SERVICES] });
