// The few types the Okta twin uses from oidc-provider 8, which ships none: loose where the engine's own objects come back.

declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  // biome-ignore lint/suspicious/noExplicitAny: the engine's callbacks take its Koa context and models, which it does not type.
  type Fn = (...args: any[]) => any;
  type ConfigValue = Fn | string | number | boolean | null | undefined | ConfigValue[] | { [key: string]: ConfigValue } | object;

  export interface Configuration {
    [key: string]: ConfigValue;
  }

  export interface InteractionDetails {
    uid: string;
    params: Record<string, unknown>;
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
  }

  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    proxy: boolean;
    readonly issuer: string;
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: Record<string, unknown>,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    // biome-ignore lint/suspicious/noExplicitAny: the engine's model classes.
    readonly Grant: any;
  }

  export const errors: Record<string, new (...args: unknown[]) => Error>;
  export default Provider;
}
