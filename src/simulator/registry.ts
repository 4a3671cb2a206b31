/** The simulator's state: each service with its fault and counters. One per running simulator. */
import { SERVICES, type ServiceName } from '../providers/types';
import { type Fault, ServiceFaults } from './faults';
import type { SimService } from './service';
import { createApolloService } from './services/apollo';
import { type InstantlySimService, createInstantlyService } from './services/instantly';
import { createMillionVerifierService } from './services/millionverifier';
import { createOpenAiService } from './services/openai';
import { createPerplexityService } from './services/perplexity';

export interface ServiceEntry {
  service: SimService;
  faults: ServiceFaults;
}

export interface ServiceStatus {
  fault: Fault;
  calls: number;
  failures: number;
}

export class SimRegistry {
  readonly instantly: InstantlySimService;
  readonly entries: Record<ServiceName, ServiceEntry>;

  constructor(seed: string) {
    this.instantly = createInstantlyService(seed);
    const entry = (service: SimService): ServiceEntry => ({ service, faults: new ServiceFaults() });
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
      const { faults } = this.entries[name];
      result[name] = { fault: faults.fault, calls: faults.calls, failures: faults.failures };
    }
    return result;
  }

  /** Clears faults, counters and stored data. */
  reset(): void {
    for (const name of SERVICES) {
      this.entries[name].faults.reset();
      this.entries[name].service.reset();
    }
  }
}
