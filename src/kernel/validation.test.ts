// Unit tests of validation's bounds: however much is wrong, an answer names a bounded number of issues.

import { describe, expect, it } from 'vitest';
import { collectOperations, type OpenApiDocument } from './openapi.ts';
import { MAX_ISSUES, Validators } from './validation.ts';

const doc: OpenApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Bounds', version: '1' },
  paths: {
    '/items': {
      post: {
        operationId: 'addItems',
        requestBody: {
          content: {
            'application/json': { schema: { type: 'object', properties: { items: { type: 'array', items: { type: 'string' } } } } },
          },
        },
        responses: { '200': { description: 'ok' } },
      },
    },
  },
};

describe('Validators', () => {
  it('reports at most MAX_ISSUES issues for ten thousand bad items', () => {
    const ops = collectOperations(doc);
    const validators = new Validators(doc, ops, false);
    const issues = validators.validate(ops[0], { params: {}, query: {}, body: { items: Array.from({ length: 10_000 }, (_, i) => i) } });
    expect(issues.length).toBe(MAX_ISSUES);
    expect(issues[0]).toMatchObject({ location: 'body.items.0', keyword: 'type' });
  });
});
