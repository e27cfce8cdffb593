// The twin kernel's public surface: what twins, adapters and tests import.

export { Clock, type ClockMode, type ClockState } from './clock.ts';
export { parseDuration } from './duration.ts';
export { KernelError } from './errors.ts';
export type { Fault, FaultSpec } from './faults.ts';
export type { JournalEntry, JournalQuery } from './journal.ts';
export {
  createKernel,
  defineTwin,
  type FrontDoor,
  Kernel,
  type KernelOptions,
  type ResponseViolation,
  SnapshotRefused,
  toFetchResponse,
} from './kernel.ts';
export { collectOperations, loadOpenApi, type OpenApiDocument, type OperationSpec } from './openapi.ts';
export type { AttemptRecord, DeliverySpec, OutboundDelivery, OutboundRequest, ReceiverAnswer } from './outbox.ts';
export { JsonMap, type JsonOf } from './records.ts';
export { placeholder, randomSecret, type SecretFormat, TenantSecrets } from './secrets.ts';
export * from './types.ts';
