import { z } from 'zod';
import { serviceName } from './service-name';

export const resetParams = z.strictObject({ service: serviceName });

export const pauseServiceBody = z.strictObject({
  service: serviceName,
  reason: z.string().trim().min(1, 'is required').max(500),
});

export const resumeServiceBody = z.strictObject({ service: serviceName });
