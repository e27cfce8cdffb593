// The operation a trial's journal names for a proxied request, whether the tenant is the default one or reached under its `/t/<tenantId>/` prefix.

import { describe, expect, it } from 'vitest';
import { operationOf } from '../../harness/trial.ts';

describe('operationOf', () => {
  it('names the Slack method at the root and under a tenant prefix', () => {
    expect(operationOf('slack', '/api/chat.postMessage')).toBe('chat.postMessage');
    expect(operationOf('slack', '/t/tenant-14/api/reactions.add')).toBe('reactions.add');
  });

  it('keeps the path, without the tenant prefix, for other paths', () => {
    expect(operationOf('slack', '/t/tenant-2/slack/events')).toBe('/slack/events');
    // Not a tenant prefix: a segment `t` with nothing that can be an id after it.
    expect(operationOf('slack', '/t/')).toBe('/t/');
  });
});
