/** Starts one in-process simulator per test file (port 0) and resets it before each test. */
import { createProviders, type EmailCopy, type LeadForOutreach, type LeadProviders, type ProvidersConfig, type ServiceName } from '../../src/providers';
import { SimulatorControl } from '../../src/simulator/control';
import { simulatorProvidersConfig } from '../../src/simulator/provider-config';
import { type RunningSimulator, type SimulatorOptions, startSimulator } from '../../src/simulator/server';

export interface SimulatorHarness {
  sim: RunningSimulator;
  control: SimulatorControl;
  config(overrides?: { apiKey?: string; timeoutMs?: number }): ProvidersConfig;
  providers(overrides?: { apiKey?: string; timeoutMs?: number }): LeadProviders;
  /** Raw JSON request to the simulator, for checks below the clients. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the simulator's JSON answers, whatever their shape
  request(method: 'GET' | 'POST', path: string, options?: { body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; json: any }>;
}

export function useSimulator(options: SimulatorOptions = {}): SimulatorHarness {
  const harness = {} as SimulatorHarness;
  beforeAll(async () => {
    harness.sim = await startSimulator(options);
    harness.control = new SimulatorControl(harness.sim.url);
    harness.config = (overrides) => simulatorProvidersConfig(harness.sim.baseUrls, overrides);
    harness.providers = (overrides) => createProviders(harness.config(overrides));
    harness.request = async (method, path, { body, headers = {} } = {}) => {
      const response = await fetch(`${harness.sim.url}${path}`, {
        method,
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : null };
    };
  });
  afterAll(async () => {
    await harness.sim?.close();
  });
  beforeEach(async () => {
    await harness.control.reset();
  });
  return harness;
}

export const LEAD: LeadForOutreach = {
  leadId: 'lead-0001',
  email: 'ada.lovelace@analytical.io',
  firstName: 'Ada',
  lastName: 'Lovelace',
  title: 'CTO',
  companyName: 'Analytical Engines',
  companyDomain: 'analytical.io',
};

export const COPY = { subject: 'An idea for Analytical Engines', body: 'Hi Ada, ...' };

/** One lead through Instantly's bulk add, as a batch of one: its Instantly id (a refusal fails the test). */
export async function pushOne(providers: LeadProviders, campaign: string, lead: LeadForOutreach = LEAD, copy: EmailCopy = COPY): Promise<{ instantlyLeadId: string }> {
  const [result] = await providers.pushLeads(campaign, [{ lead, copy }]);
  if (!result || !('instantlyLeadId' in result)) throw new Error(`Instantly refused ${lead.leadId}: ${JSON.stringify(result)}`);
  return result;
}

/** One representative call per service, so error cases can run over all five. */
export const CALLS: Record<ServiceName, (providers: LeadProviders) => Promise<unknown>> = {
  apollo: (p) => p.searchPeople({ titles: ['CTO'] }, 1, 5),
  millionverifier: (p) => p.verifyEmail(LEAD.email),
  perplexity: (p) => p.enrichLead(LEAD),
  openai: (p) => p.writeCopy(LEAD, 'Analytical Engines builds calculating machines.', 'Keep it short.'),
  instantly: (p) => pushOne(p, 'campaign-errors'),
};

/** The rejection of `promise`, failing the test if it resolved. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
