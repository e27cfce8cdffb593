// The grader's recording proxy: one loopback port per twin in front of a trial's twins, forwarding vendor requests unchanged, refusing the control plane, and keeping the grader's own append-only record of what the agent and the app sent.

import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ScenarioTwin, TwinEndpoint } from '../scenarios/support/config.ts';

/** Who was calling when a request came: the agent while it builds, then the app (its install, start and the holdouts). */
export type ProxyPhase = 'agent' | 'app';

/** One request as the grader saw it pass. Nothing in it came from the twins' journals, which the app cannot reach here. */
export interface ProxyRecord {
  twin: ScenarioTwin;
  phase: ProxyPhase;
  /** When it arrived (wall clock; twins' tenant clocks are the scenarios' to move). */
  time: string;
  method: string;
  /** The normalised path (percent-decoded, dot-segments resolved), without the query. */
  path: string;
  /** The answer's status; 403 for a refused control-plane call; 502 when the twin could not be reached. */
  status: number;
  /** The vendor error the twin answered with, when its body says so (Slack `error`, Okta `errorCode`, Jira's first message). */
  error?: string;
  /** A `/_twin/` request (in any encoding), refused and kept as an attempt to tamper with the grader. */
  refused?: boolean;
  /** The query and body as text, credentials redacted, cut at `summaryChars`. */
  summary: string;
}

export interface ProxyLimits {
  /** Records kept; later ones are counted (`dropped`) but still inspected. */
  records: number;
  /** Characters of each record's summary. */
  summaryChars: number;
  /** Refused control-plane attempts kept (separately, so that a flood of vendor calls cannot push them out). */
  attempts: number;
  /** Bytes of each request body read for the summary and the inspector (the rest is forwarded, not read). */
  bodyBytes: number;
  /** Bytes of each answer read to find its vendor error. */
  answerBytes: number;
}

export const PROXY_LIMITS: ProxyLimits = {
  records: 5000,
  summaryChars: 1024,
  attempts: 200,
  bodyBytes: 256 * 1024,
  answerBytes: 16 * 1024,
};

export interface ProxyOptions {
  /** The twins to stand in front of (their vendor URLs; the control token is never used or passed on). */
  twins: Partial<Record<ScenarioTwin, TwinEndpoint>>;
  /**
   * Called for every request, kept in the record or not, with its full text (query and body up to
   * `bodyBytes`, decoded, unredacted): the contamination scan's view. Runs in the proxy, so nothing is
   * missed when the record is full.
   */
  inspect?: (record: ProxyRecord, text: string) => void;
  limits?: Partial<ProxyLimits>;
}

export interface TrialProxy {
  /** The proxy's base URL for a twin (`http://127.0.0.1:PORT`), what the agent and the app are given. */
  url(twin: ScenarioTwin): string;
  /** The loopback ports, one per twin (the sandbox's `network.hostPorts`). */
  readonly ports: number[];
  setPhase(phase: ProxyPhase): void;
  readonly phase: ProxyPhase;
  /** The variables a twin's control plane gave for a tenant, with every URL of that twin pointing at the proxy instead. */
  rewriteEnv(env: Record<string, string>): Record<string, string>;
  /** What was recorded so far, oldest first (a copy). */
  records(): ProxyRecord[];
  /** The refused control-plane attempts, oldest first (a copy). */
  attempts(): ProxyRecord[];
  /** Requests not kept in the record because it was full (they were still inspected). */
  readonly dropped: number;
  close(): Promise<void>;
}

/** The answer a refused control-plane call gets, in the control plane's own error shape. */
export const REFUSED_BODY = JSON.stringify({
  error: {
    code: 'forbidden',
    message:
      "the twins' control plane is the grader's: it is not reachable through the URLs an agent or an app is given, whatever credential is sent",
  },
});

/** Percent-decodings applied at most (each undoes one layer: %255F → %5F → _). */
const MAX_DECODES = 8;

/**
 * A request target's path as any server might read it: percent-decoded until stable, backslashes
 * as slashes, empty and `.` segments dropped, `..` resolved. `control` says whether any segment
 * names the control plane (`_twin`, in any case, with anything after it), so that no spelling of
 * `/_twin/` reaches a twin through the proxy. Targets that are not a plain path (absolute-form
 * `http://host/_twin`, authority-form, `*`) are `invalid`.
 *
 * @example normaliseTarget('/api/..%2F%5Ftwin/tenants') // { path: '/_twin/tenants', control: true, invalid: false }
 */
export function normaliseTarget(target: string): { path: string; control: boolean; invalid: boolean } {
  const q = target.indexOf('?');
  let raw = q === -1 ? target : target.slice(0, q);
  const hash = raw.indexOf('#');
  if (hash !== -1) raw = raw.slice(0, hash);
  const invalid = !target.startsWith('/') || target.startsWith('//');
  let decoded = raw;
  for (let i = 0; i < MAX_DECODES; i++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      // A stray % (or an invalid sequence): decode what can be, leave the rest as it is.
      next = decoded.replace(/%[0-9a-fA-F]{2}/g, (m) => {
        try {
          return decodeURIComponent(m);
        } catch {
          return m;
        }
      });
    }
    if (next === decoded) break;
    decoded = next;
  }
  const segments: string[] = [];
  for (const s of decoded.replace(/\\/g, '/').split('/')) {
    // Servers differ on what they strip from a segment (`;params`, spaces, NULs), so judge the segment's core.
    const core = s.replace(/[\s\0]/g, '');
    if (core === '' || core === '.') continue;
    if (core === '..') segments.pop();
    else segments.push(s);
  }
  const control = segments.some((s) =>
    s
      .replace(/[\s\0]/g, '')
      .toLowerCase()
      .startsWith('_twin'),
  );
  return { path: `/${segments.join('/')}`, control, invalid };
}

const SECRET_KEY = /(token|secret|password|passwd|authorization|api[_-]?key|client_secret|code_verifier|assertion|signature)/i;

/** Credentials out of a request's text before it is kept: form and query values and JSON strings under secret-looking names, and vendor token shapes anywhere. */
export function redact(text: string): string {
  return text
    .replace(/([?&]|^|\n)([^=&\n]*)=([^&\n]*)/g, (m, lead: string, key: string) =>
      SECRET_KEY.test(decodeSafe(key)) ? `${lead}${key}=[redacted]` : m,
    )
    .replace(/("([^"\\]{0,64})"\s*:\s*)"(?:[^"\\]|\\.)*"/g, (m, head: string, key: string) =>
      SECRET_KEY.test(key) ? `${head}"[redacted]"` : m,
    )
    .replace(/\bxox[a-z]-[A-Za-z0-9-]+/g, 'xox-[redacted]')
    .replace(/\b(Bearer|SSWS|Basic)\s+[A-Za-z0-9._~+/=-]+/g, '$1 [redacted]');
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Every string in a JSON value (bounded depth): how a leak shows in a JSON body. */
function jsonStrings(value: unknown, out: string[], depth = 0): void {
  if (depth > 16 || out.length > 10_000) return;
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) jsonStrings(v, out, depth + 1);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      jsonStrings(v, out, depth + 1);
    }
}

/**
 * A request's query and body as text a search finds leaks in: the raw text, then the decoded form
 * values or JSON strings (a step's spaces travel as `+` or `%20` in a form body).
 */
export function requestText(query: string, body: Buffer, contentType: string | undefined): string {
  const parts: string[] = [];
  if (query) {
    parts.push(query);
    for (const [k, v] of new URLSearchParams(query)) parts.push(k, v);
  }
  if (body.length > 0) {
    const text = body.toString('utf8');
    parts.push(text);
    const type = (contentType ?? '').toLowerCase();
    if (type.includes('x-www-form-urlencoded') || (!type.includes('json') && /^[^\s{[]*=/.test(text)))
      for (const [k, v] of new URLSearchParams(text)) parts.push(k, v);
    else if (type.includes('json') || /^\s*[{[]/.test(text)) {
      try {
        jsonStrings(JSON.parse(text), parts);
      } catch {
        // Not JSON after all (or cut at the bound): the raw text above is what there is.
      }
    }
  }
  return parts.join('\n');
}

/** The vendor error in an answer's body, if it says one: Slack `{ok:false,error}`, Okta `{errorCode}`, Jira `{errorMessages:[…]}`. */
function vendorError(body: Buffer): string | undefined {
  try {
    const v = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    if (v.ok === false && typeof v.error === 'string') return v.error.slice(0, 200);
    if (typeof v.errorCode === 'string') return v.errorCode.slice(0, 200);
    if (Array.isArray(v.errorMessages) && typeof v.errorMessages[0] === 'string') return v.errorMessages[0].slice(0, 200);
  } catch {
    // Not JSON, or cut at the bound: no error to name.
  }
  return undefined;
}

/** Headers that belong to one connection and are not passed on (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
]);

function passOn(headers: IncomingMessage['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  return out;
}

/**
 * Start a proxy on 127.0.0.1 (a free port per twin) in front of `twins`. Vendor requests are
 * forwarded byte for byte with their Host header, so the twin's absolute URLs (upload URLs,
 * permalinks) point back through the proxy; every `/_twin/` request is refused with 403 and
 * kept as an attempt. Every request is recorded (bounded) with the phase it came in.
 *
 * @example
 *   const proxy = await startTrialProxy({ twins, inspect: (r, text) => scanner.add(r, text) });
 *   const env = proxy.rewriteEnv(tenant.env); // SLACK_API_URL now points at the proxy
 */
export async function startTrialProxy(opts: ProxyOptions): Promise<TrialProxy> {
  const limits: ProxyLimits = { ...PROXY_LIMITS, ...opts.limits };
  const records: ProxyRecord[] = [];
  const attempts: ProxyRecord[] = [];
  let dropped = 0;
  let phase: ProxyPhase = 'agent';
  const servers = new Map<ScenarioTwin, { server: Server; port: number; target: URL }>();

  const keep = (r: ProxyRecord, text: string) => {
    if (records.length < limits.records) records.push(r);
    else dropped++;
    if (r.refused && attempts.length < limits.attempts) attempts.push(r);
    try {
      opts.inspect?.(r, text);
    } catch {
      // The inspector is the grader's; its failure must not break the app's calls.
    }
  };

  const handler = (twin: ScenarioTwin, target: URL) => (req: IncomingMessage, res: ServerResponse) => {
    const rawTarget = req.url ?? '/';
    const norm = normaliseTarget(rawTarget);
    const q = rawTarget.indexOf('?');
    const query = q === -1 ? '' : rawTarget.slice(q + 1);
    const record: ProxyRecord = {
      twin,
      phase,
      time: new Date().toISOString(),
      method: (req.method ?? 'GET').slice(0, 16),
      path: norm.path.slice(0, 512),
      status: 0,
      summary: '',
    };
    const body: Buffer[] = [];
    let bodyBytes = 0;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      const t = requestText(query, Buffer.concat(body), req.headers['content-type']);
      record.summary = redact(t).slice(0, limits.summaryChars);
      keep(record, t);
    };

    if (norm.control || norm.invalid) {
      // Refused before anything reaches the twin; the body is read (bounded) only to record what was tried.
      record.status = norm.control ? 403 : 400;
      record.refused = norm.control;
      req.on('data', (c: Buffer) => {
        if (bodyBytes < limits.bodyBytes) body.push(c.subarray(0, limits.bodyBytes - bodyBytes));
        bodyBytes += c.length;
      });
      req.on('end', finish);
      req.on('error', finish);
      // The connection closes after the answer; whatever of the body came by then is what is kept.
      res.on('close', () => setImmediate(finish));
      const payload = norm.control
        ? REFUSED_BODY
        : JSON.stringify({ error: { code: 'bad_request', message: 'a request target must be a path starting with one /' } });
      res.writeHead(record.status, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
      res.end(payload);
      return;
    }

    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const upstream = send({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port || (target.protocol === 'https:' ? 443 : 80),
      method: req.method,
      path: rawTarget,
      headers: passOn(req.headers),
    });
    upstream.on('response', (answer) => {
      record.status = answer.statusCode ?? 0;
      const head: Buffer[] = [];
      let headBytes = 0;
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, passOn(answer.headers));
      answer.on('data', (c: Buffer) => {
        if (headBytes < limits.answerBytes) head.push(c.subarray(0, limits.answerBytes - headBytes));
        headBytes += c.length;
      });
      answer.on('end', () => {
        const error = vendorError(Buffer.concat(head));
        if (error) record.error = error;
        finish();
      });
      answer.on('error', () => {
        res.destroy();
        finish();
      });
      answer.pipe(res);
    });
    upstream.on('error', () => {
      // The twin dropped the connection (a `drop` fault) or is down: the app sees the same, a broken connection.
      if (record.status === 0) record.status = 502;
      res.destroy();
      finish();
    });
    req.on('data', (c: Buffer) => {
      if (bodyBytes < limits.bodyBytes) body.push(c.subarray(0, limits.bodyBytes - bodyBytes));
      bodyBytes += c.length;
    });
    req.on('aborted', () => upstream.destroy());
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
      setImmediate(finish);
    });
    req.pipe(upstream);
  };

  try {
    for (const [twin, endpoint] of Object.entries(opts.twins) as [ScenarioTwin, TwinEndpoint | undefined][]) {
      if (!endpoint) continue;
      const target = new URL(endpoint.url);
      const server = createServer(handler(twin, target));
      // Apps keep connections open; closing the proxy must not wait for them.
      server.keepAliveTimeout = 5000;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      servers.set(twin, { server, port: (server.address() as AddressInfo).port, target });
    }
  } catch (err) {
    for (const s of servers.values()) s.server.close();
    throw err;
  }

  const origins = [...servers.values()].map((s) => ({ from: s.target.origin, to: `http://127.0.0.1:${s.port}` }));
  return {
    url(twin) {
      const s = servers.get(twin);
      if (!s) throw new Error(`the proxy does not stand in front of the ${twin} twin`);
      return `http://127.0.0.1:${s.port}`;
    },
    get ports() {
      return [...servers.values()].map((s) => s.port);
    },
    setPhase(p) {
      phase = p;
    },
    get phase() {
      return phase;
    },
    rewriteEnv(env) {
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(env)) {
        const o = origins.find((x) => v === x.from || v.startsWith(`${x.from}/`));
        out[k] = o ? `${o.to}${v.slice(o.from.length)}` : v;
      }
      return out;
    },
    records: () => records.slice(),
    attempts: () => attempts.slice(),
    get dropped() {
      return dropped;
    },
    async close() {
      await Promise.all(
        [...servers.values()].map(
          (s) =>
            new Promise<void>((resolve) => {
              s.server.closeAllConnections();
              s.server.close(() => resolve());
            }),
        ),
      );
    },
  };
}
