// The package's public entry: a twin (kernel and control plane behind one door), its transports, and what a twin is made of.

export { buildServer, type RunningTwin, type ServeOptions, serve } from './adapters/fastify.ts';
export { twinHandlers } from './adapters/msw.ts';
export { type StartedTwin, type StartedTwins, type StartTwinsOptions, startTwins, type Twins } from './api.ts';
export { controlOpenApi } from './control/control-plane.ts';
export { createKernel, handleTwinRequest, normalisedPath, type Surface, surfaceOf, withControlPlane } from './host.ts';
export { Clock, type ClockMode, type ClockState } from './kernel/clock.ts';
export type { Fault, FaultSpec } from './kernel/faults.ts';
export type { JournalEntry, JournalQuery } from './kernel/journal.ts';
export { defineTwin, Kernel, type KernelOptions, type ResponseViolation, SnapshotRefused } from './kernel/kernel.ts';
export { loadOpenApi, type OpenApiDocument, type OperationSpec } from './kernel/openapi.ts';
export type { AttemptRecord, DeliverySpec, OutboundDelivery } from './kernel/outbox.ts';
export { type SecretFormat, TenantSecrets } from './kernel/secrets.ts';
export * from './kernel/types.ts';
