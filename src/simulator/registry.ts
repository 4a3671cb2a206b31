/** The simulator's state: each service with its fault and counters. One per running simulator. */
import { SERVICES, type ServiceName } from '../providers/types';
import { type Fault, ServiceFaults } from './faults';
import { RateLimiter, type RateLimitSetting } from './rate-limit';
import type { SimService } from './service';
import { createApolloService } from './services/apollo';
import { type InstantlySimService, createInstantlyService } from './services/instantly';
import { createMillionVerifierService } from './services/millionverifier';
import { createOpenAiService } from './services/openai';
import { createPerplexityService } from './services/perplexity';

export interface ServiceEntry {
  service: SimService;
  faults: ServiceFaults;
  rateLimit: RateLimiter;
}

export interface ServiceStatus {
  fault: Fault;
  calls: number;
  failures: number;
  rate_limit: RateLimitSetting;
  /** 429s sent because of rate_limit. */
  rate_limited: number;
  /** The most requests that arrived in any one second. */
  peak_per_second: number;
}

export class SimRegistry {
  readonly instantly: InstantlySimService;
  readonly entries: Record<ServiceName, ServiceEntry>;

  constructor(seed: string) {
    this.instantly = createInstantlyService(seed);
    const entry = (service: SimService): ServiceEntry => ({ service, faults: new ServiceFaults(), rateLimit: new RateLimiter() });
    this.entries = {
      apollo: entry(createApolloService(seed)),
      millionverifier: entry(createMillionVerifierService(seed)),
      perplexity: entry(createPerplexityService(seed)),
      openai: entry(createOpenAiService(seed)),
      instantly: entry(this.instantly),
    };
  }

  status(): Record<ServiceName, ServiceStatus> {
    const result = {} as Record<ServiceName, ServiceStatus>;
    for (const name of SERVICES) {
      const { faults, rateLimit } = this.entries[name];
      result[name] = {
        fault: faults.fault,
        calls: faults.calls,
        failures: faults.failures,
        rate_limit: rateLimit.setting,
        rate_limited: rateLimit.rateLimited,
        peak_per_second: rateLimit.peakPerSecond,
      };
    }
    return result;
  }

  /** Clears faults, counters and stored data. */
  reset(): void {
    for (const name of SERVICES) {
      this.entries[name].faults.reset();
      this.entries[name].rateLimit.reset();
      this.entries[name].service.reset();
    }
  }
}
