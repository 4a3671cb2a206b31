/** Where the API lives, and the recovery routes its messages point operators to. */
export const API_PREFIX = '/api/v1';
export const RESET_ROUTE = `POST ${API_PREFIX}/queue-management/circuit-breakers/{service}/reset`;
export const RESUME_QUEUE_ROUTE = `POST ${API_PREFIX}/queue-management/resume-queue`;
