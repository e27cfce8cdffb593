// The Okta twin as the benchmarks serve it: rate limits off, fastify adapter, loopback; `--users N --events M` first fills the
// default org through its own API (createUser, then suspend/unsuspend until the System Log holds M events). Prints {"url", ...} when listening.

import { serve } from '../../src/adapters/fastify.ts';
import { createKernel, type Kernel } from '../../src/kernel/kernel.ts';
import { oktaTwin } from '../../twins/okta/index.ts';
import type { OktaState } from '../../twins/okta/store.ts';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const USERS = arg('users', 0);
const EVENTS = arg('events', 0);
const BASE = 'http://okta.bench';

const kernel = createKernel(oktaTwin, { rateLimits: false }) as unknown as Kernel<unknown, unknown>;
const tenant = kernel.tenants.default();
const state = tenant.state as OktaState;
const env = kernel.env(tenant, BASE);
const headers = { authorization: `SSWS ${env.OKTA_API_TOKEN}`, 'content-type': 'application/json', accept: 'application/json' };
const encoder = new TextEncoder();

/** One call through kernel.handle (the pipeline the HTTP adapter uses, minus the socket); anything but 2xx stops the bench. */
async function call(method: string, path: string, body?: unknown): Promise<string> {
  const res = await kernel.handle({
    method,
    url: new URL(`${BASE}${path}`),
    headers,
    body: body === undefined ? undefined : encoder.encode(JSON.stringify(body)),
  });
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${String(res.body).slice(0, 300)}`);
  return typeof res.body === 'string' ? res.body : '';
}

const started = performance.now();
const ids: string[] = [];
for (let i = 0; i < USERS; i++) {
  const login = `person${i}@bench.test`;
  const made = await call('POST', '/api/v1/users?activate=true', {
    profile: { firstName: 'Person', lastName: `Number ${i}`, email: login, login, department: i % 3 ? 'Eng' : 'Sales' },
    credentials: { password: { value: `Bench-pass-${i}-xyz!` } },
  });
  ids.push((JSON.parse(made) as { id: string }).id);
  if (i % 2000 === 0 && i > 0) process.stderr.write(`[bench] okta: ${i} people\n`);
}
for (let i = 0; state.logs.length < EVENTS; i++) {
  const id = ids[Math.floor(i / 2) % ids.length];
  await call('POST', `/api/v1/users/${id}/lifecycle/${i % 2 ? 'unsuspend' : 'suspend'}`);
  if (i % 20_000 === 0 && i > 0) process.stderr.write(`[bench] okta: ${state.logs.length} log events\n`);
}
const fillMs = performance.now() - started;
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
gc?.();
const m = process.memoryUsage();

const twin = await serve(kernel, { host: '127.0.0.1', port: 0 });
process.stdout.write(
  `${JSON.stringify({ url: twin.url, users: state.users.size, events: state.logs.length, fillMs, rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, gc: Boolean(gc) })}\n`,
);
process.on('SIGTERM', () => void twin.close().then(() => process.exit(0)));
