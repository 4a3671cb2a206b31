/** Where the API lives, and the recovery routes its messages point operators to. */
export const API_PREFIX = '/api/v1';
/** Prometheus metrics, beside the API (not under its version prefix). */
export const METRICS_PATH = '/metrics';
export const RESET_ROUTE = `POST ${API_PREFIX}/queue-management/circuit-breakers/{service}/reset`;
export const RESUME_QUEUE_ROUTE = `POST ${API_PREFIX}/queue-management/resume-queue`;
