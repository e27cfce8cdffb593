// The witness: a tenant the fuzzer never addresses, with numbered data written through the vendor API, checked after every run.

import type { Kernel } from '../../src/kernel/index.ts';
import { credentialsOf, stateOf } from './support.ts';

/** Writes numbered data into a tenant through its vendor API; returns what is missing later (empty when all is there). */
type Seeder = (call: VendorCall, count: number) => Promise<() => Promise<string[]>>;
type VendorCall = (method: string, path: string, body?: Record<string, unknown>) => Promise<Record<string, unknown>>;

/**
 * Twin-specific numbered data, optional: every twin gets the generic witness (its whole state must
 * not change), and a twin listed here also gets data it can count through its own API.
 */
const SEEDERS: Record<string, Seeder> = {
  slack: async (call, count) => {
    const list = await call('POST', '/api/conversations.list', { types: 'public_channel', limit: 200 });
    const channels = (list.channels as { id: string; is_member: boolean; is_archived: boolean }[]) ?? [];
    const channel = channels.find((c) => c.is_member && !c.is_archived)?.id;
    if (!channel) throw new Error('the witness bot is in no channel');
    for (let i = 1; i <= count; i++) {
      const res = await call('POST', '/api/chat.postMessage', { channel, text: `witness message ${i}` });
      if (res.ok !== true) throw new Error(`seeding the witness failed: ${JSON.stringify(res)}`);
    }
    return async () => {
      const res = await call('POST', '/api/conversations.history', { channel, limit: 1000 });
      if (res.ok !== true) return [`conversations.history answered ${JSON.stringify(res).slice(0, 200)}`];
      const texts = new Set(((res.messages as { text: string }[]) ?? []).map((m) => m.text));
      const missing: string[] = [];
      for (let i = 1; i <= count; i++) if (!texts.has(`witness message ${i}`)) missing.push(`witness message ${i}`);
      return missing;
    };
  },
};

export interface Witness {
  id: string;
  credentials: string[];
  /** Whether anything about the witness changed: its state's JSON, or its numbered data. */
  changed(): string | undefined;
  /** Count the numbered data through the vendor API. */
  missing(): Promise<string[]>;
}

/**
 * Create the witness tenant and write `count` numbered records into it through the vendor API
 * (for twins with a seeder), then remember its state.
 */
export async function createWitness(kernel: Kernel<unknown, unknown>, count = 100, id = 'witness'): Promise<Witness> {
  kernel.createTenant({ id, seed: 4242 });
  const credentials = credentialsOf(kernel, id);
  const token = kernel.env(kernel.tenants.get(id) as never, 'http://twin.test');
  // A bearer token from the twin's environment, if it has one (Slack's bot token).
  const bearer = Object.entries(token).find(([k, v]) => /BOT_TOKEN|API_TOKEN|TOKEN$/.test(k) && v)?.[1];
  const call: VendorCall = async (method, path, body) => {
    const res = await kernel.fetch(`http://twin.test${path}`, {
      method,
      headers: { 'content-type': 'application/json; charset=utf-8', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as Record<string, unknown>;
  };
  const seeder = SEEDERS[kernel.def.name];
  const check = seeder ? await seeder(call, count) : async () => [];
  const before = stateOf(kernel, id);
  return {
    id,
    credentials,
    changed() {
      let now: string;
      try {
        now = stateOf(kernel, id);
      } catch (err) {
        return `the witness's state cannot be read: ${(err as Error).message}`;
      }
      return now === before ? undefined : `the witness's state changed (${before.length} → ${now.length} characters)`;
    },
    missing: check,
  };
}
