// Every workflow the worker registers. Workflow code is deterministic: no I/O, activities do that.
export { breakerWorkflow } from './breaker';
export { campaignWorkflow } from './campaign';
