// A minimal twin used to test the kernel without any vendor's rules: notes per tenant, a bearer token each.

import { defineTwin, json, type OpenApiDocument, TwinError } from '../../src/kernel/index.ts';

export interface ToyState {
  token: string;
  notes: { id: number; text: string }[];
}

const openapi: OpenApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Toy', version: '1' },
  paths: {
    '/notes': {
      get: {
        operationId: 'listNotes',
        parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } }],
        responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/NoteList' } } } } },
      },
      post: {
        operationId: 'createNote',
        'x-twin-rate-limit': 'slow',
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: { type: 'object', required: ['text'], properties: { text: { type: 'string', maxLength: 50 } } } },
          },
        },
        responses: { '201': { description: 'created' } },
      },
    },
    '/notes/{id}': {
      get: {
        operationId: 'getNote',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
        responses: { '200': { description: 'ok' } },
      },
      delete: {
        operationId: 'deleteNote',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
        responses: { '204': { description: 'gone' } },
      },
    },
  },
  components: {
    schemas: {
      NoteList: {
        type: 'object',
        required: ['notes'],
        properties: { notes: { type: 'array', items: { $ref: '#/components/schemas/Note' } } },
      },
      Note: { type: 'object', required: ['id', 'text'], properties: { id: { type: 'integer' }, text: { type: 'string' } } },
    },
  },
};

export const toyTwin = defineTwin<ToyState, { token: string }>({
  name: 'toy',
  title: 'Toy twin',
  openapi,
  bodyLimit: 2048,
  authenticate({ req, tenantFor }) {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const tenant = token ? tenantFor(token) : undefined;
    if (!tenant) throw new TwinError(json(401, { message: 'unauthorized' }));
    return { tenant, principal: { token: token as string } };
  },
  renderError(kind, detail) {
    const status: Record<string, number> = {
      route_not_found: 404,
      method_not_allowed: 405,
      malformed_body: 400,
      unsupported_media_type: 415,
      body_too_large: 413,
      validation: 400,
      rate_limited: 429,
      not_implemented: 501,
      internal: 500,
    };
    const headers: Record<string, string> = detail.retryAfter ? { 'retry-after': String(detail.retryAfter) } : {};
    return json(
      kind === 'fault' ? (detail.status ?? 500) : (status[kind] ?? 500),
      { kind, error: detail.error, message: detail.message, issues: detail.issues },
      headers,
    );
  },
  respond(result) {
    if (result && typeof result === 'object' && 'status' in result && 'headers' in result) return result as never;
    return json(200, result);
  },
  // The token comes from the tenant's random secrets, never from the seed.
  createState: ({ secrets }) => ({ token: secrets?.get('token') ?? '', notes: [] }),
  secretFormats: { token: 'toy-{a24}' },
  credentialKeys: (s) => [s.token],
  env: (s, base) => ({ TOY_URL: base, TOY_TOKEN: s.token }),
  rateLimits: { slow: { perMinute: 60, burst: 2 } },
  operations: {
    listNotes: (ctx) => ({
      notes: (ctx.state.notes as ToyState['notes']).slice(0, Number((ctx.query as { limit?: number }).limit ?? 100)),
    }),
    createNote: (ctx) => {
      const state = ctx.state as ToyState;
      const note = { id: state.notes.length + 1, text: (ctx.args as { text: string }).text };
      state.notes.push(note);
      return json(201, note);
    },
    getNote: (ctx) => {
      const note = (ctx.state as ToyState).notes.find((n) => n.id === Number(ctx.params.id));
      if (!note) throw new TwinError(json(404, { message: 'no such note' }));
      return note;
    },
    getBoom: () => {
      throw new Error('secret stack detail');
    },
  },
});
