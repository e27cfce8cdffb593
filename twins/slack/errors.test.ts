// Unit tests for the Slack error renderer: every kernel failure in Slack's envelope and status.

import { describe, expect, it } from 'vitest';
import type { KernelErrorDetail, KernelErrorKind, NormalisedRequest, TwinResponse } from '../../src/kernel/types.ts';
import { missingScope, ratelimited, renderSlackError } from './errors.ts';

const req = (path: string, contentType = 'application/x-www-form-urlencoded'): NormalisedRequest => ({
  method: 'POST',
  url: new URL(`http://twin${path}`),
  path,
  headers: {},
  query: {},
  contentType,
  body: {},
  baseUrl: 'http://twin',
});

function render(kind: KernelErrorKind, detail: KernelErrorDetail = {}, r = req('/api/chat.postMessage')) {
  const res = renderSlackError(kind, detail, r);
  return { status: res.status, headers: res.headers, body: JSON.parse(String(res.body)) as Record<string, unknown> };
}

describe('renderSlackError', () => {
  it('an unknown method is 404 unknown_method', () => {
    expect(render('route_not_found', {}, req('/api/chat.postMassage'))).toMatchObject({
      status: 404,
      body: { ok: false, error: 'unknown_method', req_method: 'chat.postMassage' },
    });
  });

  it('bad bodies are HTTP 200 errors named after the encoding', () => {
    expect(render('malformed_body', {}, req('/api/x', 'application/json'))).toMatchObject({
      status: 200,
      body: { ok: false, error: 'invalid_json' },
    });
    expect(render('malformed_body', {}, req('/api/x'))).toMatchObject({ status: 200, body: { error: 'invalid_form_data' } });
    expect(render('unsupported_media_type')).toMatchObject({ status: 200, body: { error: 'invalid_form_data' } });
    expect(render('body_too_large')).toMatchObject({ status: 413, body: { ok: false, error: 'request_too_large' } });
  });

  it('validation names the missing lookup the way Slack does', () => {
    const missing = (name: string) => ({
      issues: [{ location: `body.${name}`, name, keyword: 'required', message: `must have required property '${name}'` }],
    });
    expect(render('validation', missing('channel')).body).toEqual({ ok: false, error: 'channel_not_found' });
    expect(render('validation', missing('user')).body).toEqual({ ok: false, error: 'user_not_found' });
    expect(render('validation', missing('users')).body).toEqual({ ok: false, error: 'user_not_found' });
    expect(render('validation', missing('name'))).toMatchObject({
      status: 200,
      body: { ok: false, error: 'invalid_arguments', response_metadata: { messages: ['[ERROR] missing required field: name'] } },
    });
    const typed = { issues: [{ location: 'body.limit', name: 'limit', keyword: 'type', message: 'must be integer' }] };
    expect(render('validation', typed).body).toMatchObject({
      error: 'invalid_arguments',
      response_metadata: { messages: ['[ERROR] must be integer [json-pointer:/limit]'] },
    });
    const blocks = { issues: [{ location: 'body.blocks', name: 'blocks', keyword: 'type', message: 'must be array' }] };
    expect(render('validation', blocks).body.error).toBe('invalid_blocks_format');
  });

  it('rate limits are 429 with Retry-After', () => {
    const r = render('rate_limited', { retryAfter: 2.2 });
    expect(r).toMatchObject({ status: 429, body: { ok: false, error: 'ratelimited' } });
    expect(r.headers['retry-after']).toBe('3');
    expect(ratelimited(0).response.headers['retry-after']).toBe('1');
  });

  it('armed faults answer the vendor error they name', () => {
    expect(render('fault', { error: 'channel_not_found' })).toMatchObject({ status: 200, body: { ok: false, error: 'channel_not_found' } });
    expect(render('fault', { status: 503 })).toMatchObject({ status: 503, body: { ok: false, error: 'fatal_error' } });
    expect(render('fault', { status: 429, retryAfter: 5 }).headers['retry-after']).toBe('5');
  });

  it('not implemented and internal failures say so without a stack', () => {
    expect(render('not_implemented', { operationId: 'chat.meMessage' })).toMatchObject({
      status: 501,
      body: { ok: false, error: 'not_implemented_by_twin', operation: 'chat.meMessage' },
    });
    const internal = renderSlackError('internal', { message: 'TypeError: x is undefined at foo.ts:1' }, req('/api/x')) as TwinResponse;
    expect(internal.status).toBe(500);
    expect(JSON.parse(String(internal.body))).toEqual({ ok: false, error: 'internal_error' });
  });

  it('missing_scope carries needed and provided', () => {
    const body = JSON.parse(String(missingScope(['chat:write', 'chat:write:bot'], ['channels:read', 'users:read']).response.body));
    expect(body).toEqual({ ok: false, error: 'missing_scope', needed: 'chat:write,chat:write:bot', provided: 'channels:read,users:read' });
  });
});
