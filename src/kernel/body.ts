// Turns a transport's raw request into a normalised one: query, headers and a parsed body (JSON, form, multipart, text).

import { KernelError } from './errors.ts';
import type { NormalisedRequest, TwinRequest, UploadedFile } from './types.ts';

/** Parse `a=1&a=2&b=3` into `{ a: ['1','2'], b: '3' }`. */
export function paramsToObject(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of params) {
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else out[k] = Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/** The media type without parameters, lower case: `application/json`. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * Normalise a request. Synchronous for every body but multipart, which returns a promise: the
 * request path awaits only when it must.
 */
export function normalise(req: TwinRequest, bodyLimit: number): NormalisedRequest | Promise<NormalisedRequest> {
  const raw = req.body && req.body.length > 0 ? req.body : undefined;
  if (raw && raw.length > bodyLimit) {
    throw new KernelError('body_too_large', { message: `request body is ${raw.length} bytes; the limit is ${bodyLimit}` });
  }
  const contentType = req.headers['content-type'] ?? '';
  const type = mediaType(contentType);
  const base: NormalisedRequest = {
    method: req.method.toUpperCase(),
    url: req.url,
    path: req.url.pathname,
    headers: req.headers,
    query: paramsToObject(req.url.searchParams),
    contentType: type,
    rawBody: raw,
    body: undefined,
    baseUrl: req.url.origin,
  };
  if (!raw) return base;
  if (type === 'application/json' || type.endsWith('+json')) {
    const text = decoder.decode(raw);
    try {
      base.body = JSON.parse(text);
    } catch (err) {
      throw new KernelError('malformed_body', { message: `body is not valid JSON: ${(err as Error).message}` });
    }
  } else if (type === 'application/x-www-form-urlencoded') {
    base.body = paramsToObject(new URLSearchParams(decoder.decode(raw)));
  } else if (type === 'multipart/form-data') {
    return parseMultipart(raw, contentType).then((body) => {
      base.body = body;
      return base;
    });
  } else if (type.startsWith('text/')) {
    base.body = decoder.decode(raw);
  } else {
    base.body = raw;
  }
  return base;
}

async function parseMultipart(
  raw: Uint8Array,
  contentType: string,
): Promise<{ fields: Record<string, string | string[]>; files: UploadedFile[] }> {
  let form: FormData;
  try {
    form = await new Response(raw as Uint8Array<ArrayBuffer>, { headers: { 'content-type': contentType } }).formData();
  } catch (err) {
    throw new KernelError('malformed_body', { message: `multipart body could not be parsed: ${(err as Error).message}` });
  }
  const fields: Record<string, string | string[]> = {};
  const files: UploadedFile[] = [];
  for (const [field, value] of form.entries()) {
    if (typeof value === 'string') {
      const prev = fields[field];
      fields[field] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    } else {
      files.push({
        field,
        filename: value.name,
        contentType: value.type || 'application/octet-stream',
        data: new Uint8Array(await value.arrayBuffer()),
      });
    }
  }
  return { fields, files };
}
