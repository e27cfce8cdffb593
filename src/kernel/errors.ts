// Platform-level failures inside the request pipeline; each twin renders them in its vendor's shape.

import type { KernelErrorDetail, KernelErrorKind } from './types.ts';

export class KernelError extends Error {
  readonly kind: KernelErrorKind;
  readonly detail: KernelErrorDetail;
  constructor(kind: KernelErrorKind, detail: KernelErrorDetail = {}) {
    super(detail.message ?? kind);
    this.kind = kind;
    this.detail = detail;
  }
}
