// files.*: the external upload flow (URL, bytes, complete-and-share) that files.uploadV2 uses, and file metadata.

import type { UploadedFile } from '../../../src/kernel/types.ts';
import { cantDeleteFile, fileDeleted, fileNotFound, invalidArguments, slackError } from '../errors.ts';
import { postMessage as post, principalAuthor } from '../messaging.ts';
import { canSee, limitArg, list, passThrough, renderFile, type SlackCtx, str } from '../render.ts';
import { findMessage, newId, type SlackFile, type SlackState, seconds } from '../store.ts';
import { checkCanPost, postTarget } from './chat.ts';

const TYPES: Record<string, [mimetype: string, filetype: string, pretty: string]> = {
  txt: ['text/plain', 'text', 'Plain Text'],
  log: ['text/plain', 'text', 'Plain Text'],
  md: ['text/plain', 'markdown', 'Markdown (raw)'],
  csv: ['text/csv', 'csv', 'CSV'],
  json: ['application/json', 'json', 'JSON'],
  html: ['text/html', 'html', 'HTML'],
  png: ['image/png', 'png', 'PNG'],
  jpg: ['image/jpeg', 'jpg', 'JPEG'],
  jpeg: ['image/jpeg', 'jpg', 'JPEG'],
  gif: ['image/gif', 'gif', 'GIF'],
  pdf: ['application/pdf', 'pdf', 'PDF'],
  zip: ['application/zip', 'zip', 'Zip'],
};

function fileType(name: string): [string, string, string] {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? '';
  return TYPES[ext] ?? ['application/octet-stream', 'binary', 'Binary'];
}

/**
 * files.getUploadURLExternal: step 1 of an upload; hands out `upload_url` (on the twin) and a file id.
 *
 * Limitations: `url_private` and `permalink` point at slack.com and are not served by the twin.
 */
export function getUploadURLExternal(
  ctx: SlackCtx<{ filename?: string; length?: unknown; alt_text?: string; alt_txt?: string; snippet_type?: string }>,
) {
  const { state, principal, args } = ctx;
  const filename = String(args.filename ?? '');
  if (!filename) throw invalidArguments(['[ERROR] missing required field: filename']);
  const length = Number(args.length);
  if (!Number.isInteger(length) || length < 0) throw slackError('invalid_length');
  const id = newId(state, 'F');
  const [mimetype, filetype, pretty] = fileType(filename);
  const now = seconds(ctx.now());
  const user = state.users.get(principal.userId);
  const file: SlackFile = {
    id,
    created: now,
    timestamp: now,
    name: filename,
    title: filename,
    mimetype,
    filetype: args.snippet_type ?? filetype,
    pretty_type: pretty,
    user: principal.userId,
    user_team: state.team.id,
    editable: false,
    size: length,
    mode: 'hosted',
    is_external: false,
    external_type: '',
    is_public: false,
    public_url_shared: false,
    display_as_bot: false,
    username: '',
    url_private: `https://files.slack.com/files-pri/${state.team.id}-${id}/${encodeURIComponent(filename)}`,
    url_private_download: `https://files.slack.com/files-pri/${state.team.id}-${id}/download/${encodeURIComponent(filename)}`,
    permalink: `https://${state.team.domain}.slack.com/files/${principal.userId}/${id}/${encodeURIComponent(filename)}`,
    channels: [],
    groups: [],
    ims: [],
    comments_count: 0,
    uploaded: false,
    completed: false,
    deleted: false,
  };
  const alt = args.alt_text ?? args.alt_txt;
  if (alt) file.alt_txt = alt;
  if (user?.name) file.username = '';
  // The upload URL is its own credential until the upload completes: a random key, by which the
  // kernel finds this workspace (file ids follow from the seed, so they cannot be the credential).
  file.upload_key = ctx.tenant.secrets.mint('upload-key');
  state.files.set(id, file);
  ctx.reindexCredentials();
  return { upload_url: `${ctx.baseUrl}/upload/v1/${file.upload_key}`, file_id: id };
}

/** The bytes of an upload: the multipart part `body` (what @slack/web-api sends) or `file`, else the raw body. */
function uploadedBytes(body: unknown, raw: Uint8Array | undefined): Uint8Array | undefined {
  if (body && typeof body === 'object' && Array.isArray((body as { files?: unknown }).files)) {
    const files = (body as { files: UploadedFile[] }).files;
    const part = files.find((f) => f.field === 'body') ?? files.find((f) => f.field === 'file') ?? files[0];
    if (part) return part.data;
    const fields = (body as { fields?: Record<string, unknown> }).fields ?? {};
    const text = fields.body ?? fields.file;
    if (typeof text === 'string') return new TextEncoder().encode(text);
    return undefined;
  }
  if (raw) return raw;
  if (typeof body === 'string') return new TextEncoder().encode(body);
  return undefined;
}

/** POST /upload/v1/{file_id}: step 2 of an upload (the path names the upload's key); Slack answers `OK - <bytes>` in plain text. */
export function filesUploadBytes(ctx: SlackCtx) {
  const { state } = ctx;
  const key = ctx.params.file_id ?? '';
  const file = [...state.files.values()].find((f) => f.upload_key === key);
  const text = (status: number, body: string) => passThrough({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body });
  if (!file || file.completed || file.deleted) return text(404, 'Not Found');
  const bytes = uploadedBytes(ctx.req.body, ctx.req.rawBody) ?? new Uint8Array();
  file.content_base64 = Buffer.from(bytes).toString('base64');
  file.size = bytes.length;
  file.uploaded = true;
  return text(200, `OK - ${bytes.length}`);
}

function filesArg(value: unknown): { id: string; title?: string }[] {
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v) as unknown;
    } catch {
      throw invalidArguments(['[ERROR] failed to parse files [json-pointer:/files]']);
    }
  }
  if (!Array.isArray(v) || v.length === 0) throw invalidArguments(['[ERROR] missing required field: files']);
  return v.map((f, i) => {
    if (!f || typeof f !== 'object' || typeof (f as { id?: unknown }).id !== 'string') {
      throw invalidArguments([`[ERROR] missing required field: id [json-pointer:/files/${i}]`]);
    }
    const { id, title } = f as { id: string; title?: unknown };
    return { id, title: typeof title === 'string' ? title : undefined };
  });
}

/** Record that a file was shared into a conversation by a message. */
function recordShare(state: SlackState, file: SlackFile, channel: string, ts: string, threadTs?: string): void {
  const conv = state.conversations.get(channel);
  const bucket = conv?.is_im || conv?.is_mpim ? 'ims' : conv?.is_private ? 'groups' : 'channels';
  if (!file[bucket].includes(channel)) file[bucket].push(channel);
  const visibility = conv?.is_private || conv?.is_im || conv?.is_mpim ? 'private' : 'public';
  if (!file.shares) file.shares = {};
  const shares = file.shares as Record<string, Record<string, unknown[]>>;
  if (!shares[visibility]) shares[visibility] = {};
  const byChannel = shares[visibility];
  const entry: Record<string, unknown> = {
    reply_users: [],
    reply_users_count: 0,
    reply_count: 0,
    ts,
    channel_name: conv?.name ?? '',
    team_id: state.team.id,
    share_user_id: file.user,
    source: 'UNKNOWN',
  };
  if (threadTs) entry.thread_ts = threadTs;
  if (!byChannel[channel]) byChannel[channel] = [];
  byChannel[channel].push(entry);
  file.is_public = file.is_public || visibility === 'public';
}

/**
 * files.completeUploadExternal: step 3; titles the files and, with `channel_id` (or `channels`),
 * shares them in one message (subtype `file_share`, with `initial_comment` as its text).
 *
 * Limitations: sharing happens before the answer (Slack shares asynchronously, so its answer
 * may not list the share yet).
 */
export function completeUploadExternal(
  ctx: SlackCtx<{
    files?: unknown;
    channel_id?: string;
    channels?: string;
    initial_comment?: string;
    thread_ts?: string;
    blocks?: unknown;
  }>,
) {
  const { state, principal, args } = ctx;
  const wanted = filesArg(args.files);
  const files = wanted.map(({ id, title }) => {
    const file = state.files.get(id);
    if (!file || file.user !== principal.userId || !file.uploaded) throw fileNotFound();
    if (file.deleted) throw fileDeleted();
    if (title) file.title = title;
    return file;
  });
  const channels = str(args.channel_id) ? [String(args.channel_id)] : list(args.channels);
  const targets = channels.map((c) => {
    const conv = postTarget(state, c, principal, ctx.now());
    checkCanPost(conv, principal);
    return conv;
  });
  for (const file of files) file.completed = true;
  for (const conv of targets) {
    const content = {
      text: typeof args.initial_comment === 'string' ? args.initial_comment : '',
      blocks: Array.isArray(args.blocks) ? args.blocks : undefined,
    };
    const { message } = post(ctx, conv, principalAuthor(principal), content, {
      thread_ts: args.thread_ts,
      trusted: true,
      extra: { subtype: 'file_share', upload: true, display_as_bot: false, files: files.map((f) => renderFile(f)) },
    });
    for (const file of files) recordShare(state, file, conv.id, message.ts, message.thread_ts);
    // The copies in the message should show the share too.
    message.files = files.map((f) => renderFile(f));
  }
  ctx.reindexCredentials();
  return { files: files.map((f) => renderFile(f)) };
}

/** Whether the caller may see a file: their own, or shared somewhere they can see. */
function canSeeFile(state: SlackState, file: SlackFile, userId: string): boolean {
  if (file.user === userId) return true;
  return [...file.channels, ...file.groups, ...file.ims].some((c) => {
    const conv = state.conversations.get(c);
    return conv !== undefined && canSee(conv, userId);
  });
}

/** files.info: one file's metadata. */
export function info(ctx: SlackCtx<{ file?: string }>) {
  const { state, principal, args } = ctx;
  const file = state.files.get(args.file ?? '');
  if (!file?.completed || !canSeeFile(state, file, principal.userId)) throw fileNotFound();
  if (file.deleted) throw fileDeleted();
  return { file: renderFile(file), comments: [], response_metadata: { next_cursor: '' } };
}

/** files.list: files the caller can see, newest first, with legacy `paging` (count ≤ 1000, page from 1). */
export function list_(
  ctx: SlackCtx<{ channel?: string; user?: string; types?: string; ts_from?: unknown; ts_to?: unknown; count?: unknown; page?: unknown }>,
) {
  const { state, principal, args } = ctx;
  const channel = str(args.channel);
  const user = str(args.user);
  const types = list(args.types).filter((t) => t !== 'all');
  const from = Number(args.ts_from ?? 0) || 0;
  const to = args.ts_to === undefined || args.ts_to === '' ? Number.POSITIVE_INFINITY : Number(args.ts_to);
  const matches = [...state.files.values()]
    .filter((f) => f.completed && !f.deleted && canSeeFile(state, f, principal.userId))
    .filter((f) => !channel || [...f.channels, ...f.groups, ...f.ims].includes(channel))
    .filter((f) => !user || f.user === user)
    .filter((f) => types.length === 0 || types.includes(f.filetype) || (types.includes('images') && f.mimetype.startsWith('image/')))
    .filter((f) => f.created >= from && f.created <= to)
    .sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
  const count = limitArg(args.count, 100, 1000);
  const pages = Math.max(1, Math.ceil(matches.length / count));
  const pageNo = Math.max(1, Math.floor(Number(args.page ?? 1)) || 1);
  const slice = matches.slice((pageNo - 1) * count, pageNo * count);
  return { files: slice.map((f) => renderFile(f)), paging: { count, total: matches.length, page: pageNo, pages } };
}
export { list_ as list };

/** files.delete: delete a file the caller uploaded (admins with a user token may delete any); shares become tombstones. */
export function delete_(ctx: SlackCtx<{ file?: string }>) {
  const { state, principal, args } = ctx;
  const file = state.files.get(args.file ?? '');
  if (!file || !canSeeFile(state, file, principal.userId)) throw fileNotFound();
  if (file.deleted) throw fileDeleted();
  const admin = principal.tokenType === 'user' && state.users.get(principal.userId)?.is_admin === true;
  if (file.user !== principal.userId && !admin) throw cantDeleteFile();
  file.deleted = true;
  delete file.content_base64;
  // The shares say which messages carry the file, so no channel has to be scanned.
  const shares = (file.shares ?? {}) as Record<string, Record<string, { ts: string }[]>>;
  for (const byChannel of Object.values(shares)) {
    for (const [channel, entries] of Object.entries(byChannel)) {
      for (const { ts } of entries) {
        const message = findMessage(state, channel, ts);
        if (message?.files) message.files = message.files.map((f) => (f.id === file.id ? { id: file.id, mode: 'tombstone' } : f));
      }
    }
  }
  return {};
}
export { delete_ as delete };
