// SPDX-License-Identifier: Apache-2.0
//
// The damocles-manager console page (docs/architecture.md §8.9): reads
// /ui/api/* every 2 s and draws the summary, running sectors, the queue,
// workers and their threads, stores, failures and the per-stage chart;
// actions post JSON to /ui/api/<action>. Text from the manager is always set
// with textContent (never parsed as HTML).
'use strict';

const REFRESH_MS = 2000;
const SVG_NS = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);
let serverNow = Math.floor(Date.now() / 1000);
let storesKnown = '';

// el('td', {class: 'x', dataset: {sector: id}}, 'text', child, …)
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'onclick') node.addEventListener('click', value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || seconds < 0) return '–';
  seconds = Math.round(seconds);
  if (seconds < 60) return seconds + ' s';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return minutes + ' min ' + (seconds % 60) + ' s';
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return hours + ' h ' + (minutes % 60) + ' min';
  return Math.floor(hours / 24) + ' d ' + (hours % 24) + ' h';
}

function formatSeconds(seconds) {
  if (seconds < 10) return seconds.toFixed(2) + ' s';
  return formatDuration(seconds);
}

function formatBytes(bytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes, unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; ++unit; }
  return (unit === 0 ? value : value.toFixed(1)) + ' ' + units[unit];
}

function ago(unixSeconds) {
  if (!unixSeconds) return '–';
  return formatDuration(Math.max(0, serverNow - unixSeconds)) + ' ago';
}

function sectorParts(sectorId) {
  // s-t0<miner>-<number>
  const match = /^s-t0(\d+)-(\d+)$/.exec(sectorId);
  return match ? { miner: match[1], number: match[2] } : null;
}

// ---- talking to the manager -------------------------------------------

async function api(path, body) {
  const options = { credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    options.method = 'POST';
    options.headers = { 'Content-Type': 'application/json' };
    options.body = JSON.stringify(body);
  }
  const response = await fetch('/ui/api/' + path, options);
  if (response.status === 401) {
    // The session ended (manager restarted, cookie expired): back to the form.
    window.location.assign('/ui');
    throw new Error('unauthorized');
  }
  let data = null;
  try { data = await response.json(); } catch (e) { data = { error: 'malformed answer (' + response.status + ')' }; }
  return { ok: response.ok, status: response.status, data };
}

function notice(text, isError) {
  const box = $('notice');
  box.textContent = text;
  box.className = isError ? 'error' : '';
  box.hidden = false;
}

function confirmAction(text) {
  const dialog = $('confirm');
  $('confirm-text').textContent = text;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'yes'), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}

async function act(path, body, confirmText) {
  if (confirmText && !(await confirmAction(confirmText))) return null;
  const answer = await api(path, body);
  const message = answer.data && (answer.data.message || answer.data.error);
  if (message) notice(message, !answer.ok);
  refresh();
  return answer;
}

// ---- drawing -----------------------------------------------------------

function progressBar(fraction, sectorId) {
  const percent = Math.max(0, Math.min(100, (fraction || 0) * 100));
  const fill = el('div', { class: 'fill' });
  fill.style.width = percent.toFixed(1) + '%';
  return el('div', {
    class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100,
    'aria-valuenow': percent.toFixed(1), dataset: { sector: sectorId, progress: percent.toFixed(2) }
  }, fill, el('span', { class: 'text' }, percent.toFixed(1) + '%'));
}

function cancelButton(sectorId, running) {
  const parts = sectorParts(sectorId);
  return el('button', {
    class: 'small danger', dataset: { action: 'cancel', sector: sectorId },
    onclick: () => act('cancel', { miner: parts.miner, number: parts.number },
      running ? 'Cancel the running rebuild of ' + sectorId + '? The worker stops at its next step; ' +
        'the registry keeps the sector and it can be queued again.'
        : 'Remove ' + sectorId + ' from the rebuild queue? The registry keeps the sector; it can be queued again.')
  }, 'Cancel');
}

function replaceRows(tableId, rows, emptyId) {
  const body = $(tableId).querySelector('tbody');
  body.replaceChildren(...rows);
  $(tableId).hidden = rows.length === 0;
  if (emptyId) $(emptyId).hidden = rows.length !== 0;
}

function drawSummary(s) {
  $('version').textContent = s.version ? 'v' + s.version : '';
  $('sum-queued').textContent = s.queued;
  $('sum-running').textContent = s.running;
  $('sum-failed').textContent = s.failed;
  $('sum-finished').textContent = s.finished_today;
  $('sum-eta').textContent = s.queue_eta_seconds === null ? '–' : formatDuration(s.queue_eta_seconds);
}

function drawQueue(q) {
  const running = [], queued = [];
  for (const entry of q.entries) (entry.running ? running : queued).push(entry);
  replaceRows('running-table', running.map((entry) => {
    const latest = entry.latest || {};
    return el('tr', { dataset: { sector: entry.sector_id } },
      el('td', { class: 'mono' }, entry.sector_id),
      el('td', {}, entry.lease_worker, el('div', { class: 'muted mono' }, entry.lease_location)),
      el('td', {}, latest.next || 'Allocated'),
      el('td', {}, latest.stage || '–'),
      el('td', {}, progressBar(latest.progress, entry.sector_id)),
      el('td', {}, latest.rate_mib_s ? latest.rate_mib_s.toFixed(2) + ' MiB/s' : '–'),
      el('td', {}, formatDuration(latest.eta_seconds)),
      el('td', {}, entry.cancel_requested ? el('span', { class: 'badge warn' }, 'cancel requested')
        : cancelButton(entry.sector_id, true)));
  }), 'running-empty');
  // An operator typing a priority keeps their input: the table waits.
  if ($('queue-table').contains(document.activeElement)) return;
  replaceRows('queue-table', queued.map((entry, i) => {
    const parts = sectorParts(entry.sector_id);
    const input = el('input', { type: 'number', step: 1, value: entry.priority, dataset: { sector: entry.sector_id } });
    // One registry update: the entry stays queued and keeps its arrival
    // order, so nothing is lost and no confirmation is needed.
    const set = el('button', {
      class: 'small quiet', dataset: { action: 'priority', sector: entry.sector_id },
      onclick: () => act('priority', { miner: parts.miner, number: parts.number, priority: Number(input.value) }, null)
    }, 'Set');
    return el('tr', { dataset: { sector: entry.sector_id } },
      el('td', {}, i + 1),
      el('td', { class: 'mono' }, entry.sector_id),
      el('td', {}, input, ' ', set),
      el('td', {}, ago(entry.enqueued_at)),
      el('td', {}, entry.pieces_available ? 'yes' : 'no'),
      el('td', {}, entry.allocations),
      el('td', {}, cancelButton(entry.sector_id, false)));
  }), 'queue-empty');
}

function threadButton(worker, thread) {
  const body = { worker: worker.name, index: thread.index };
  if (thread.paused)
    return el('button', { class: 'small', dataset: { action: 'resume', worker: worker.name, index: thread.index },
      onclick: () => act('thread/resume', body) }, 'Resume');
  return el('button', { class: 'small quiet', dataset: { action: 'pause', worker: worker.name, index: thread.index },
    onclick: () => act('thread/pause', body,
      'Pause thread #' + thread.index + ' of ' + worker.name + '? A running rebuild stops before its next step.') },
  'Pause');
}

function drawWorkers(w) {
  const cards = w.workers.map((worker) => {
    const rows = worker.thread_rows.map((t) => el('tr', { dataset: { worker: worker.name, index: t.index } },
      el('td', {}, '#' + t.index),
      el('td', { class: 'mono' }, t.location),
      el('td', {}, t.plan),
      el('td', { class: 'mono' }, t.sector_id || '–'),
      el('td', {}, t.state),
      el('td', {}, t.paused ? el('span', { class: 'badge warn' }, 'paused ' + formatDuration(t.paused_elapsed))
        : el('span', { class: 'badge good' }, 'active')),
      el('td', { class: 'mono err' }, t.last_err || '–'),
      el('td', {}, worker.threads_live ? threadButton(worker, t) : '')));
    const table = el('table', {},
      el('thead', {}, el('tr', {}, ...['Thread', 'Location', 'Plan', 'Sector', 'State', 'Paused', 'Last error', '']
        .map((h) => el('th', {}, h)))),
      el('tbody', {}, ...rows));
    return el('div', { class: 'worker', dataset: { worker: worker.name } },
      el('div', { class: 'worker-head' },
        el('strong', {}, worker.name),
        el('span', { class: 'muted mono' }, worker.address),
        el('span', { class: 'muted' }, 'v' + worker.version),
        el('span', { class: 'muted' }, 'last ping ' + ago(worker.last_ping)),
        worker.threads_live ? el('span', { class: 'badge good' }, 'live')
          : el('span', { class: 'badge warn', title: worker.threads_error || '' }, 'from last ping')),
      table);
  });
  $('workers').replaceChildren(...cards);
  $('workers-empty').hidden = cards.length !== 0;
}

function drawStores(s) {
  replaceRows('stores-table', s.stores.map((st) => {
    const used = st.total - st.free;
    const fraction = st.total ? used / st.total : 0;
    const fill = el('div', { class: 'fill' });
    fill.style.width = (fraction * 100).toFixed(1) + '%';
    const bar = st.reachable
      ? el('div', { class: 'bar store' + (fraction > 0.9 ? ' full' : '') }, fill,
        el('span', { class: 'text' }, formatBytes(used) + ' of ' + formatBytes(st.total)))
      : el('span', { class: 'badge bad' }, 'unreachable on the manager host');
    return el('tr', { dataset: { store: st.name } },
      el('td', {}, st.name, st.read_only ? el('span', { class: 'badge' }, ' read-only') : null),
      el('td', { class: 'mono' }, st.path),
      el('td', {}, bar),
      el('td', {}, st.reachable ? formatBytes(st.free) : '–'),
      el('td', {}, formatBytes(st.reserved)),
      el('td', {}, st.sectors),
      el('td', {}, st.rebuilding));
  }));
  // The store choices of the forms follow the stores the manager knows.
  const names = s.stores.map((st) => st.name);
  if (names.join('\n') !== storesKnown) {
    storesKnown = names.join('\n');
    for (const id of ['rb-store', 'ck-store']) {
      const chosen = $(id).value;
      $(id).replaceChildren(el('option', { value: '' }, '–'), ...names.map((n) => el('option', { value: n }, n)));
      if (names.includes(chosen)) $(id).value = chosen;
    }
  }
}

function drawFailures(f) {
  const items = f.failures.map((x) => {
    const parts = sectorParts(x.sector_id);
    const kindClass = x.kind === 'aborted' ? 'bad' : x.kind === 'retrying' ? 'warn' : '';
    const again = x.kind === 'retrying' ? null : el('button', {
      class: 'small quiet', dataset: { action: 'requeue', sector: x.sector_id },
      onclick: () => act('rebuild', { miner: parts.miner, sectors: parts.number }, null)
    }, 'Queue again');
    return el('div', { class: 'failure ' + x.kind, dataset: { sector: x.sector_id } },
      el('div', { class: 'failure-head' },
        el('strong', { class: 'mono' }, x.sector_id),
        el('span', { class: 'badge ' + kindClass }, x.kind + (x.level ? ' (' + x.level + ')' : '')),
        el('span', { class: 'muted' }, x.worker ? 'on ' + x.worker : ''),
        el('span', { class: 'muted' }, x.at ? ago(x.at) : ''),
        again),
      el('pre', {}, x.message));
  });
  $('failures').replaceChildren(...items);
  $('failures-empty').hidden = items.length !== 0;
}

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

// Horizontal bars: mean seconds per stage, scaled to the slowest stage.
function drawStages(h) {
  const chart = $('stage-chart');
  const rows = h.stages;
  const rowHeight = 26, labelWidth = 130, valueWidth = 330, width = 960;
  const barSpace = width - labelWidth - valueWidth;
  const slowest = Math.max(...rows.map((r) => r.mean_seconds), 1e-9);
  const nodes = [];
  rows.forEach((r, i) => {
    const y = i * rowHeight;
    const length = Math.max(2, (r.mean_seconds / slowest) * barSpace);
    nodes.push(svg('text', { x: 0, y: y + 17, class: 'stage-label' }, r.stage));
    nodes.push(svg('rect', { x: labelWidth, y: y + 5, width: length.toFixed(1), height: 16, rx: 3, class: 'stage-bar',
      'data-stage': r.stage, 'data-mean': r.mean_seconds }));
    nodes.push(svg('text', { x: labelWidth + length + 8, y: y + 17, class: 'stage-value' },
      'mean ' + formatSeconds(r.mean_seconds) + ' · max ' + formatSeconds(r.max_seconds) + ' · ' + r.count + ' run' +
      (r.count === 1 ? '' : 's')));
  });
  chart.setAttribute('viewBox', '0 0 ' + width + ' ' + Math.max(rowHeight, rows.length * rowHeight));
  chart.setAttribute('height', Math.max(rowHeight, rows.length * rowHeight));
  chart.replaceChildren(...nodes);
  chart.style.display = rows.length ? 'block' : 'none';
  $('stages-empty').hidden = rows.length !== 0;
  $('stages-note').textContent = h.rebuilds
    ? h.rebuilds + ' rebuild' + (h.rebuilds === 1 ? '' : 's') + ' finished since the manager started, mean ' +
      formatSeconds(h.mean_rebuild_seconds)
    : 'since the manager started';
}

// ---- the refresh loop --------------------------------------------------

let refreshTimer = null;
let refreshing = false;

async function refresh() {
  if (refreshing) return;
  refreshing = true;
  clearTimeout(refreshTimer);
  try {
    const names = ['summary', 'queue', 'workers', 'stores', 'failures', 'stages'];
    const answers = await Promise.all(names.map((n) => api(n)));
    const failed = answers.find((a) => !a.ok);
    if (failed) throw new Error(failed.data.error || 'HTTP ' + failed.status);
    const [summary, queue, workers, stores, failures, stages] = answers.map((a) => a.data);
    serverNow = summary.now;
    drawSummary(summary);
    drawQueue(queue);
    drawWorkers(workers);
    drawStores(stores);
    drawFailures(failures);
    drawStages(stages);
    $('refreshed').textContent = 'updated ' + new Date(summary.now * 1000).toLocaleTimeString();
    $('refreshed').dataset.at = String(summary.now);
  } catch (e) {
    $('refreshed').textContent = 'refresh failed: ' + e.message;
  } finally {
    refreshing = false;
    refreshTimer = setTimeout(refresh, REFRESH_MS);
  }
}

// ---- the rebuild form --------------------------------------------------

function rebuildRequest() {
  return {
    miner: $('rb-miner').value.trim(),
    sectors: $('rb-sectors').value.trim(),
    range: $('rb-range').value.trim(),
    store: $('rb-store').value,
    priority: Number($('rb-priority').value || 0),
    pieces_available: $('rb-pieces').checked,
  };
}

async function submitRebuild(path) {
  const request = rebuildRequest();
  const confirmText = request.store
    ? 'Queue every sector recorded in store ' + request.store + ' for ' +
      (path === 'repair-cache' ? 'a cache repair' : 'a rebuild') + '?'
    : null;
  const answer = await act(path, request, confirmText);
  if (!answer) return;
  const list = $('action-results');
  if (!answer.data.results) {
    list.replaceChildren(el('li', { class: 'refused' }, answer.data.error));
    return;
  }
  list.replaceChildren(...answer.data.results.map((r) => el('li', {
    class: r.outcome === 'queued' ? '' : 'refused', dataset: { sector: r.sector_id, outcome: r.outcome }
  }, r.sector_id + ': ' + r.outcome + (r.message ? ': ' + r.message : ''))));
}

// ---- the store check --------------------------------------------------

function statusBadge(status) {
  const kind = status === 'ok' ? 'good' : status === 'unregistered' ? 'warn' : 'bad';
  return el('span', { class: 'badge ' + kind }, status);
}

function drawCheck(data) {
  const summary = $('check-summary');
  summary.hidden = false;
  if (!data.sectors) {
    summary.className = 'refused';
    summary.textContent = data.error || data.message;
    $('check-table').hidden = true;
    return;
  }
  summary.className = data.refused ? 'refused' : '';
  summary.textContent = data.message;
  replaceRows('check-table', data.sectors.map((r) => el('tr', {
    dataset: { sector: r.sector_id || '', status: r.status, action: r.action, outcome: r.outcome || '' }
  },
  el('td', { class: 'mono' }, r.sector_id || '–'),
  el('td', {}, statusBadge(r.status)),
  el('td', {}, r.action),
  el('td', { class: 'mono err' }, r.detail || ''),
  el('td', { class: r.outcome === 'refused' ? 'refused' : '' },
    r.outcome ? r.outcome + (r.message ? ': ' + r.message : '') : '–'))));
}

async function submitCheck(queueDamaged) {
  const store = $('ck-store').value;
  if (!store) {
    notice('Choose the persist store to check.', true);
    return;
  }
  const confirmText = queueDamaged
    ? 'Check store ' + store + ' and queue every damaged sector with its repair (a rebuild, or a cache repair ' +
      'when only the cache was lost)? Sectors that are ok and files no record names are left alone.'
    : null;
  const answer = await act('check', { store, rebuild: queueDamaged, pieces_available: $('ck-pieces').checked },
    confirmText);
  if (answer) drawCheck(answer.data);
}

$('check-form').addEventListener('submit', (event) => {
  event.preventDefault();
  submitCheck(false);
});
$('ck-queue').addEventListener('click', () => submitCheck(true));

$('rebuild-form').addEventListener('submit', (event) => {
  event.preventDefault();
  submitRebuild('rebuild');
});
$('rb-repair').addEventListener('click', () => submitRebuild('repair-cache'));

refresh();
