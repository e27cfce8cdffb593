// The inspector page's script: polls /_twin/ui/feed and draws it with DOM calls only (text nodes, never markup), so nothing a caller sent can become an element.

/** How often the page asks for the feed, in ms. */
const POLL_MS = 1000;

/** The control token, when the twin is locked: kept in this tab's memory only, never in a URL or storage. */
let token = '';
/** The tenant shown (its id); empty for the twin's default tenant. */
let tenant = tenantFromHash();
let paused = false;
let waitingForToken = false;
let inflight = false;
let again = false;
let timer;
/** What each part of the page last drew, as JSON: a part is redrawn only when its data changed. */
let drawn = new Map();
/** Which <details> a person opened or closed, by key, so a refresh keeps them as they were. */
const opened = new Map();

const $ = (id) => document.getElementById(id);

function tenantFromHash() {
  return new URLSearchParams(location.hash.slice(1)).get('tenant') ?? '';
}

/** An element with a class and children (strings become text nodes). */
function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const child of children) {
    if (child === undefined || child === null) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** A <details> that remembers whether a person opened it. */
function details(key, open, summary, ...content) {
  const node = el('details', '', el('summary', '', ...summary), ...content);
  node.dataset.key = key;
  node.open = opened.has(key) ? opened.get(key) : open;
  node.addEventListener('toggle', () => opened.set(key, node.open));
  return node;
}

function text(value) {
  if (value === null || value === undefined) return '—';
  return typeof value === 'string' ? value : String(value);
}

function table(columns, rows, rowAttrs) {
  const head = el('tr', '', ...columns.map((c) => el('th', '', c)));
  const body = el('tbody');
  rows.forEach((row, i) => {
    const tr = el(
      'tr',
      '',
      ...row.map((cell) => (cell instanceof Node ? el('td', '', cell) : el('td', cell === null ? 'empty' : '', text(cell)))),
    );
    if (rowAttrs) rowAttrs(tr, i);
    body.append(tr);
  });
  return el('table', '', el('thead', '', head), body);
}

function pre(value) {
  return el('pre', '', typeof value === 'string' ? value : JSON.stringify(value, null, 2));
}

function empty(message) {
  return el('p', 'empty', message);
}

function setStatus(message, kind) {
  const status = $('status');
  status.textContent = message;
  status.className = `status ${kind}`;
}

/** Forget everything shown: a locked page without the token shows nothing of any tenant. */
function clearAll() {
  drawn = new Map();
  $('main').hidden = true;
  for (const body of document.querySelectorAll('section .body')) body.replaceChildren();
  $('tenant').replaceChildren();
  $('clock').textContent = '';
}

function showLogin(message) {
  clearAll();
  waitingForToken = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
  setStatus('locked', 'error');
  $('token').focus();
}

// --- drawing -------------------------------------------------------------------------------------

function drawItems(items) {
  const list = el('ul', 'items');
  for (const item of items) {
    const li = el(
      'li',
      'item',
      el('div', 'head', el('b', '', item.title), ...(item.meta ?? []).map((m) => el('span', 'meta', m))),
      item.text ? el('div', 'text', item.text) : null,
      item.tags?.length ? el('div', 'tags', ...item.tags.map((t) => el('span', 'tag', t))) : null,
      item.items?.length ? drawItems(item.items) : null,
    );
    if (item.key) li.dataset.key = item.key;
    list.append(li);
  }
  return list;
}

function drawViewSection(section, index) {
  const summary = [section.title];
  if (section.note) summary.push(el('span', 'note', ` (${section.note})`));
  let content;
  if (section.kind === 'table') content = section.rows.length ? table(section.columns, section.rows) : empty('none');
  else if (section.kind === 'list') content = section.items.length ? drawItems(section.items) : empty('none');
  else content = pre(section.value);
  const node = details(`view:${section.title}`, true, summary, content);
  node.className = `view ${section.kind}`;
  node.dataset.section = String(index);
  return node;
}

function drawState(feed) {
  const parts = [];
  if (feed.view.source === 'snapshot')
    parts.push(
      el('p', 'note', `The ${feed.title} twin has no inspector view of its own: this is the tenant's snapshot state (secrets sealed).`),
    );
  feed.view.sections.forEach((s, i) => {
    parts.push(drawViewSection(s, i));
  });
  return parts;
}

function faultEffect(f) {
  const parts = [];
  if (f.status !== undefined) parts.push(`status ${f.status}`);
  if (f.error !== undefined) parts.push(`error ${f.error}`);
  if (f.latencyMs !== undefined) parts.push(`latency ${f.latencyMs} ms`);
  if (f.drop) parts.push('drop the connection');
  if (f.rateLimit) parts.push(`rate limited, Retry-After ${f.rateLimit.retryAfter}`);
  return parts.join(', ');
}

function drawFaults(feed) {
  if (feed.faults.length === 0) return [empty('No faults armed.')];
  return [
    table(
      ['id', 'operation', 'tenant', 'effect', 'count', 'probability', 'fired'],
      feed.faults.map((f) => [
        f.id,
        f.operation,
        f.tenant ?? 'every tenant',
        faultEffect(f),
        f.count ?? null,
        f.probability ?? null,
        f.fired,
      ]),
      (tr, i) => {
        tr.dataset.fault = feed.faults[i].id;
      },
    ),
  ];
}

function drawJournal(feed) {
  const { entries, total } = feed.journal;
  if (entries.length === 0) return [empty('No calls yet.')];
  const rows = entries.map((e) => {
    const more = [];
    if (e.args !== undefined) more.push(el('h4', '', 'arguments'), pre(e.args));
    if (e.response !== undefined) more.push(el('h4', '', 'answer'), pre(e.response));
    return [
      String(e.seq),
      e.time,
      e.operation ?? null,
      `${e.method} ${e.path}`,
      String(e.status),
      e.error ?? null,
      String(e.durationMs),
      more.length ? details(`journal:${e.seq}`, false, ['show'], ...more) : null,
    ];
  });
  return [
    el('p', 'note', `newest first; ${entries.length} of ${total} calls`),
    table(['#', 'time', 'operation', 'request', 'status', 'error', 'ms', 'arguments and answer'], rows, (tr, i) => {
      const e = entries[i];
      tr.dataset.seq = String(e.seq);
      if (e.status >= 400 || e.error) tr.className = 'bad';
    }),
  ];
}

function drawDeliveries(feed) {
  const { items, total } = feed.deliveries;
  if (items.length === 0) return [empty('No deliveries yet.')];
  const parts = [el('p', 'note', `newest first; ${items.length} of ${total} deliveries`)];
  for (const d of items) {
    const meta = Object.entries(d.meta ?? {})
      .map(([k, v]) => `${k}=${text(v)}`)
      .join(' ');
    const attempts = d.attempts.length
      ? table(
          ['#', 'started', 'ms', 'HTTP', 'outcome', 'reason', "receiver's answer"],
          d.attempts.map((a) => [
            String(a.number),
            a.startedAt,
            String(a.durationMs),
            a.status ?? null,
            a.outcome,
            a.reason ?? a.error ?? null,
            a.responseBody ?? null,
          ]),
        )
      : empty('no attempt yet');
    const node = details(
      `delivery:${d.id}`,
      false,
      [
        el('span', `badge ${d.status}`, d.status),
        ` ${d.id} ${d.kind} → ${d.url} · ${d.attempts.length} attempt(s)`,
        d.nextAttemptAt ? ` · next ${d.nextAttemptAt}` : '',
        meta ? el('span', 'meta', meta) : null,
      ],
      attempts,
      d.body !== undefined ? el('h4', '', 'body (first attempt)') : null,
      d.body !== undefined ? pre(d.body) : null,
    );
    node.dataset.delivery = d.id;
    parts.push(node);
  }
  return parts;
}

function drawClock(feed) {
  const c = feed.clock;
  return [
    table(
      ['field', 'value'],
      [
        ['mode', c.mode],
        ['now', c.iso],
        ['epoch ms', String(c.now)],
        ['timers pending', String(c.pending)],
      ],
    ),
  ];
}

const PARTS = [
  ['faults', (f) => f.faults, drawFaults],
  ['state', (f) => f.view, drawState],
  ['journal', (f) => f.journal, drawJournal],
  ['deliveries', (f) => f.deliveries, drawDeliveries],
  ['clock-section', (f) => f.clock, drawClock],
];

function drawTenants(feed) {
  const select = $('tenant');
  const ids = feed.tenants.map((t) => t.id);
  if (select.dataset.ids !== JSON.stringify(ids)) {
    select.replaceChildren(...feed.tenants.map((t) => el('option', '', t.id)));
    select.dataset.ids = JSON.stringify(ids);
  }
  select.value = feed.tenant;
}

function draw(feed) {
  document.title = `${feed.title} twin inspector: ${feed.tenant}`;
  $('title').textContent = `${feed.title} twin inspector`;
  drawTenants(feed);
  $('clock').textContent = `${feed.clock.mode} clock ${feed.clock.iso}${feed.clock.pending ? ` · ${feed.clock.pending} timer(s)` : ''}`;
  for (const [id, pick, render] of PARTS) {
    const json = JSON.stringify([feed.tenant, pick(feed)]);
    if (drawn.get(id) === json) continue;
    drawn.set(id, json);
    document.querySelector(`#${id} .body`).replaceChildren(...render(feed));
  }
  $('main').hidden = false;
}

// --- the feed ------------------------------------------------------------------------------------

async function errorOf(res) {
  try {
    const body = await res.json();
    return body?.error ?? {};
  } catch {
    return {};
  }
}

async function poll() {
  const url = `/_twin/ui/feed${tenant ? `?tenant=${encodeURIComponent(tenant)}` : ''}`;
  const headers = token ? { 'x-twin-control-token': token } : {};
  let res;
  try {
    res = await fetch(url, { headers, cache: 'no-store', credentials: 'omit', redirect: 'error' });
  } catch (err) {
    setStatus(`the twin does not answer (${err.message}); retrying`, 'error');
    return;
  }
  if (res.status === 401) {
    token = '';
    showLogin(headers['x-twin-control-token'] ? 'The twin refused that token.' : '');
    return;
  }
  if (!res.ok) {
    const error = await errorOf(res);
    if (error.code === 'tenant_not_found' && tenant) {
      // The tenant is gone (deleted, or the twin restarted): show the default one.
      tenant = '';
      again = true;
      return;
    }
    clearAll();
    setStatus(`${res.status} ${error.code ?? ''}: ${error.message ?? 'the feed failed'}`, 'error');
    return;
  }
  const feed = await res.json();
  waitingForToken = false;
  $('login').hidden = true;
  draw(feed);
  setStatus(`live · updated ${new Date().toLocaleTimeString()}`, 'ok');
}

/** Ask for the feed now (one request at a time), then again every POLL_MS unless paused or locked out. */
async function refresh() {
  clearTimeout(timer);
  if (inflight) {
    again = true;
    return;
  }
  inflight = true;
  try {
    await poll();
  } finally {
    inflight = false;
  }
  if (again) {
    again = false;
    return refresh();
  }
  if (!paused && !waitingForToken) timer = setTimeout(refresh, POLL_MS);
}

function start() {
  $('login').addEventListener('submit', (event) => {
    event.preventDefault();
    token = $('token').value.trim();
    $('token').value = '';
    waitingForToken = false;
    $('login').hidden = true;
    setStatus('connecting…', '');
    void refresh();
  });
  $('tenant').addEventListener('change', () => {
    tenant = $('tenant').value;
    // The tenant id goes in the fragment, which is never sent to a server.
    history.replaceState(null, '', `#tenant=${encodeURIComponent(tenant)}`);
    drawn = new Map();
    void refresh();
  });
  window.addEventListener('hashchange', () => {
    const next = tenantFromHash();
    if (next === tenant) return;
    tenant = next;
    drawn = new Map();
    void refresh();
  });
  $('paused').addEventListener('change', () => {
    paused = $('paused').checked;
    if (paused) {
      clearTimeout(timer);
      setStatus('paused', '');
    } else void refresh();
  });
  void refresh();
}

start();
