import { isGrpcServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';

// gRPC status codes that mean "Temporal could not be reached or did not answer in time". CANCELLED: a call cut
// off on its way (the chaos drill saw a breaker query end so while the Temporal server restarted); the API never
// cancels a call whose answer it still wants.
const GRPC_CANCELLED = 1;
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
// PostgreSQL's own word that the connection is gone or refused for now (the adapter passes them on as kind
// "postgres"): class 08, connection exceptions; 57P01-57P03, the server shutting down, crashed or starting up
// (a restart ends every session with 57P01).
const POSTGRES_UNAVAILABLE_SQLSTATES = /^(08...|57P0[123])$/;

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
    if (code === GRPC_UNAVAILABLE || code === GRPC_CANCELLED) return 'temporal';
  }
  return undefined;
}

function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // Matched by name, not class: the generated client and the runtime may be loaded more than once.
  if (error.name === 'PrismaClientInitializationError') return true;
  if (error.name !== 'PrismaClientKnownRequestError') return false;
  const { code, meta } = error as Error & { code?: string; meta?: { driverAdapterError?: { cause?: { kind?: string; code?: string } } } };
  if (code && PRISMA_CONNECTIVITY_CODES.has(code)) return true;
  const cause = meta?.driverAdapterError?.cause;
  if (cause?.kind === 'postgres') return POSTGRES_UNAVAILABLE_SQLSTATES.test(cause.code ?? '');
  return cause?.kind !== undefined && ADAPTER_CONNECTIVITY_KINDS.has(cause.kind);
}
