// The twins this version ships, loaded on demand so `twins up slack` loads only Slack.

import type { TwinDefinition } from './kernel/types.ts';

export const TWIN_NAMES = ['slack', 'okta', 'jira'] as const;
export type TwinName = (typeof TWIN_NAMES)[number];

/** Twins named in the design but not built yet, so the CLI can say so instead of "unknown". */
export const PLANNED_TWINS = [] as const;

export async function loadTwin(name: TwinName): Promise<TwinDefinition<unknown, unknown>> {
  switch (name) {
    case 'slack':
      return (await import('../twins/slack/index.ts')).slackTwin as TwinDefinition<unknown, unknown>;
    case 'jira':
      return (await import('../twins/jira/index.ts')).jiraTwin as TwinDefinition<unknown, unknown>;
    case 'okta':
      return (await import('../twins/okta/index.ts')).oktaTwin as TwinDefinition<unknown, unknown>;
  }
}

export function isTwinName(name: string): name is TwinName {
  return (TWIN_NAMES as readonly string[]).includes(name);
}
