// The Slack twin's control routes and their OpenAPI document agree, and the merged control document is served.

import { describe, expect, it } from 'vitest';
import { createKernel } from '../../src/index.ts';
import { slackTwin } from '../../twins/slack/index.ts';

describe('Slack control plane contract', () => {
  it('documents exactly the routes the twin serves under /_twin/slack/', () => {
    const doc = slackTwin.controlOpenapi?.();
    expect(doc).toBeDefined();
    const documented = Object.entries(doc?.paths ?? {}).flatMap(([path, item]) =>
      Object.keys(item as object)
        .filter((m) => ['get', 'post', 'put', 'delete'].includes(m))
        .map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    const served = (slackTwin.control ?? []).map((r) => `${r.method} /_twin/${r.path}`);
    expect(new Set(documented)).toEqual(new Set(served));
  });

  it('GET /_twin/openapi.json merges the generic and the Slack routes', async () => {
    const kernel = createKernel(slackTwin);
    const doc = await (await kernel.fetch('http://slack.test/_twin/openapi.json')).json();
    expect(doc.paths['/_twin/health']).toBeDefined();
    expect(doc.paths['/_twin/slack/act/message']).toBeDefined();
    expect(doc.components.schemas.SlackApp).toBeDefined();
    kernel.close();
  });
});
