// A twin's fidelity catalogue, computed from the repository (or the installed package) at run time: every operation of its contract, whether it is implemented, its documented `Limitations:`, and which official clients' tests exercised it.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { collectOperations, Router } from '../kernel/openapi.ts';
import { loadTwin, type TwinName } from '../registry.ts';
import { matchOperation } from './match.ts';
import { readSdkCoverage, type SdkCoverageFile } from './sdk-coverage.ts';

/** The folder that holds `twins/` (the repository, or dist/ in the installed package). */
export const FIDELITY_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `Limitations:` lines from one file's doc comments, keyed by the name of the export the comment documents. */
export function limitationsInSource(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of text.matchAll(/\/\*\*([\s\S]*?)\*\/\s*export\s+(?:async\s+)?(?:function\s+(\w+)|const\s+(\w+))/g)) {
    // A doc comment is the last /** before the export: an earlier, closed comment in the match is not it.
    const body = m[1].slice(m[1].lastIndexOf('/**') + 1);
    const lines = body
      .split('\n')
      .map((l) => l.replace(/^\s*\*\s?/, '').trim())
      .filter(Boolean);
    const notes: string[] = [];
    let inLimitations = false;
    for (const line of lines) {
      const start = /^Limitations?:\s*(.*)$/.exec(line);
      if (start) {
        inLimitations = true;
        if (start[1]) notes.push(start[1]);
      } else if (inLimitations && !/^@\w+/.test(line)) {
        notes[notes.length - 1] = notes.length > 0 ? `${notes[notes.length - 1]} ${line}` : line;
      } else {
        inLimitations = false;
      }
    }
    if (notes.length > 0) out.set(m[2] ?? m[3], notes);
  }
  return out;
}

/** An operation module: TypeScript in the repository, JavaScript (comments kept by tsc) in the installed package. */
function isOperationModule(file: string): boolean {
  return /\.(ts|js)$/.test(file) && !/\.test\.(ts|js)$/.test(file) && !file.endsWith('.d.ts');
}

/**
 * `Limitations:` lines of every operation module in `dir`, keyed by the exported function itself.
 * Keying by the function's name put one file's notes on another's operation whenever two files
 * export the same name (views.open showed conversations.open's, pins.add showed reactions.add's);
 * the function object is the handler the twin's operation map holds, so it cannot be mistaken.
 */
export async function limitationsByHandler(dir: string): Promise<Map<unknown, string[]>> {
  const out = new Map<unknown, string[]>();
  if (!existsSync(dir)) return out;
  for (const file of readdirSync(dir).filter(isOperationModule).sort()) {
    const path = join(dir, file);
    const byName = limitationsInSource(readFileSync(path, 'utf8'));
    if (byName.size === 0) continue;
    const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    for (const [name, notes] of byName) if (typeof mod[name] === 'function') out.set(mod[name], notes);
  }
  return out;
}

/** What the catalogue says of one operation of a twin's contract. */
export interface OperationFidelity {
  operationId: string;
  method: string;
  /** The contract's path template. */
  path: string;
  /** The twin has a handler for it (else it answers 501 naming it). */
  implemented: boolean;
  /** The `Limitations:` notes of its handler's doc comment: what the twin knowingly does differently. */
  limitations: string[];
  /** The official clients whose tests called it and got an answer (twins/<twin>/generated/sdk-coverage.json); empty: none. */
  sdk: string[];
}

/** One twin's catalogue: its contract's operations with their fidelity, and a way to name the operation a request reached. */
export interface TwinCatalogue {
  twin: TwinName;
  title: string;
  operations: OperationFidelity[];
  /** The tests and clients behind the SDK coverage; absent when the twin has no SDK coverage file (no operation then counts as covered). */
  sdkCoverage?: Pick<SdkCoverageFile, 'tests' | 'clients'>;
  /**
   * The operation a vendor request reached, routed as the twin routes it (its contract's paths,
   * literal before templated, its method fallback), after the door's normalisation and without a
   * `/t/<tenant>` prefix; undefined when no operation of the contract matches.
   */
  match(method: string, path: string): OperationFidelity | undefined;
}

/** Compute a twin's catalogue from its definition, its operation modules and its SDK coverage file. */
export async function buildCatalogue(twin: TwinName, root = FIDELITY_ROOT): Promise<TwinCatalogue> {
  const def = await loadTwin(twin);
  const ops = collectOperations(def.openapi);
  const limits = await limitationsByHandler(join(root, 'twins', twin, 'operations'));
  const sdk = readSdkCoverage(twin, root);
  const byId = new Map<string, OperationFidelity>();
  const operations = ops.map((op) => {
    const handler = def.operations[op.operationId];
    const f: OperationFidelity = {
      operationId: op.operationId,
      method: op.method,
      path: op.path,
      implemented: typeof handler === 'function',
      limitations: handler ? (limits.get(handler) ?? []) : [],
      sdk: [...(sdk?.operations[op.operationId] ?? [])].sort(),
    };
    byId.set(op.operationId, f);
    return f;
  });
  const router = new Router(ops);
  return {
    twin,
    title: def.title,
    operations,
    ...(sdk ? { sdkCoverage: { tests: sdk.tests, clients: sdk.clients } } : {}),
    match(method, path) {
      const m = matchOperation(router, method, path, def.methodFallback);
      return m ? byId.get(m.operationId) : undefined;
    },
  };
}

const cache = new Map<TwinName, Promise<TwinCatalogue>>();

/** The catalogue of a twin, computed once per process. */
export function catalogueOf(twin: TwinName): Promise<TwinCatalogue> {
  let c = cache.get(twin);
  if (!c) {
    c = buildCatalogue(twin);
    // A failure is not remembered: the next caller tries again.
    c.catch(() => cache.delete(twin));
    cache.set(twin, c);
  }
  return c;
}
