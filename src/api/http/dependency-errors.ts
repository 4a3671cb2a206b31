import { isGrpcServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';

// gRPC status codes that mean "Temporal could not be reached or did not answer in time".
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

// Prisma codes and driver-adapter error kinds that mean "the database could not be reached".
const PRISMA_CONNECTIVITY_CODES = new Set(['P1000', 'P1001', 'P1002', 'P1003', 'P1008', 'P1010', 'P1011', 'P1017', 'P2024', 'P2037']);
const ADAPTER_CONNECTIVITY_KINDS = new Set([
  'DatabaseNotReachable',
  'DatabaseDoesNotExist',
  'DatabaseAccessDenied',
  'AuthenticationFailed',
  'ConnectionClosed',
  'TlsConnectionError',
  'TooManyConnections',
  'SocketTimeout',
]);

/** `temporal-timeout`: no answer within the API's deadline (server slow or gone, or no worker). */
export type Dependency = 'temporal' | 'temporal-timeout' | 'database';

/** Which dependency, if any, the error says is down (the API answers 503 for it). */
export function unavailableDependency(error: unknown): Dependency | undefined {
  return temporalFailure(error) ?? (isDatabaseUnavailable(error) ? 'database' : undefined);
}

function temporalFailure(error: unknown): Dependency | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return 'temporal-timeout';
    // grpc-js's Status enum, read as the number it is (the enum belongs to a package we do not depend on).
    const code: number | undefined = isGrpcServiceError(cause) ? cause.code : undefined;
    if (code === GRPC_DEADLINE_EXCEEDED) return 'temporal-timeout';
    if (code === GRPC_UNAVAILABLE) return 'temporal';
  }
  return undefined;
}

function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // Matched by name, not class: the generated client and the runtime may be loaded more than once.
  if (error.name === 'PrismaClientInitializationError') return true;
  if (error.name !== 'PrismaClientKnownRequestError') return false;
  const { code, meta } = error as Error & { code?: string; meta?: { driverAdapterError?: { cause?: { kind?: string } } } };
  if (code && PRISMA_CONNECTIVITY_CODES.has(code)) return true;
  const kind = meta?.driverAdapterError?.cause?.kind;
  return kind !== undefined && ADAPTER_CONNECTIVITY_KINDS.has(kind);
}
