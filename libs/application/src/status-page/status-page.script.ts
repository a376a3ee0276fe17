// The status page's script, served as it stands (see status-page.html.ts): plain browser
// JavaScript, no template literals, so that the TypeScript string holding it stays verbatim.
//
// The tenant's progress stream is read with fetch rather than EventSource, so that the API key
// travels in the Authorization header, as for every other call, and never in a URL that access
// logs would keep.

export const statusPageScript = String.raw`'use strict';
(function () {
  var finished = ['Completed', 'Failed', 'Cancelled'];
  var keyStorage = 'import-jobs.api-key';
  var jobs = new Map();
  var stream;
  var selected;

  var $ = function (selector) { return document.querySelector(selector); };
  var tbody = $('#jobs tbody');

  function apiKey() { return sessionStorage.getItem(keyStorage) || ''; }
  function headers(extra) {
    var all = Object.assign({}, extra);
    if (apiKey() !== '') all.authorization = 'Bearer ' + apiKey();
    return all;
  }

  function showProblem(message) {
    var problem = $('#problem');
    problem.textContent = message;
    problem.hidden = message === '';
  }

  async function call(method, path, body) {
    var response = await fetch(path, { method: method, headers: headers(), body: body });
    var text = await response.text();
    var answer = text === '' ? null : JSON.parse(text);
    if (!response.ok) {
      var error = new Error((answer && answer.message) || response.status + ' ' + response.statusText);
      error.status = response.status;
      throw error;
    }
    return answer;
  }

  // ── The jobs table ────────────────────────────────────────────────────────────────────────

  /** A job is its resource (definition, failures, report link) with its newest streamed progress over it. */
  function current(job) { return Object.assign({}, job.resource, job.progress); }

  function settledPieces(pieces) { return pieces.completed + pieces.failed + pieces.cancelled; }

  function percent(state) {
    if (state.status === 'Completed') return 100;
    if (!state.pieces || state.pieces.total === 0) return 0;
    return Math.floor((100 * settledPieces(state.pieces)) / state.pieces.total);
  }

  function piecesText(pieces) {
    var text = settledPieces(pieces) + '/' + pieces.total + ' pieces';
    if (pieces.failed > 0) text += ', ' + pieces.failed + ' failed';
    if (pieces.cancelled > 0) text += ', ' + pieces.cancelled + ' cancelled';
    return text;
  }

  function rowsPerSecond(state) {
    var started = Date.parse(state.startedAt || state.start_time || state.createdAt);
    var until = Date.parse(state.completedAt || state.lastModifiedAt);
    var seconds = (until - started) / 1000;
    if (!(seconds > 0) || !state.rows || state.rows.processed === 0) return '–';
    return (state.rows.processed / seconds).toFixed(1);
  }

  function sourceName(state) {
    var definition = state.definition;
    if (!definition) return state.jobId || state.id;
    var metadata = definition.metadata || {};
    if (metadata.filename) return metadata.filename;
    return definition.sources.map(function (source) { return source.url; }).join(', ');
  }

  function cell(row, text, className) {
    var td = document.createElement('td');
    if (className) td.className = className;
    if (text !== undefined) td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function render(jobId) {
    var job = jobs.get(jobId);
    var state = current(job);
    var row = job.row;
    if (!row) {
      row = job.row = document.createElement('tr');
      row.className = 'job';
      row.dataset.jobId = jobId;
      row.addEventListener('click', function () { openDetails(jobId, 'history'); });
    }
    row.replaceChildren();
    row.dataset.status = state.status;
    cell(row, new Date(state.createdAt).toLocaleString(), 'created');
    cell(row, sourceName(state), 'source');
    var status = document.createElement('span');
    status.className = 'status status-' + state.status;
    status.textContent = state.status;
    cell(row, undefined, 'status-cell').appendChild(status);

    var progressCell = cell(row, undefined, 'progress-cell');
    var bar = document.createElement('progress');
    bar.max = 100;
    bar.setAttribute('value', String(percent(state)));
    bar.setAttribute('aria-label', 'progress of job ' + jobId);
    progressCell.appendChild(bar);
    var label = document.createElement('span');
    label.className = 'progress-label';
    label.textContent = state.pieces ? piecesText(state.pieces) + ' · ' + percent(state) + '%' : '';
    progressCell.appendChild(label);

    var rows = state.rows || { processed: 0, failed: 0, imported: 0 };
    cell(row, rows.processed + ' processed, ' + rows.imported + ' imported, ' + rows.failed + ' failed', 'rows');
    cell(row, rowsPerSecond(state), 'rate');

    var failures = cell(row, undefined, 'failures');
    if (rows.failed > 0) {
      var open = document.createElement('button');
      open.type = 'button';
      open.className = 'open-failures';
      open.textContent = rows.failed + ' failed rows';
      open.addEventListener('click', function (event) { event.stopPropagation(); openDetails(jobId, 'failures'); });
      failures.appendChild(open);
    } else {
      failures.textContent = state.failureReason ? state.failureReason.code : '–';
    }

    var actions = cell(row, undefined, 'actions');
    if (finished.indexOf(state.status) < 0 && state.status !== 'Cancelling') {
      var cancel = document.createElement('button');
      cancel.type = 'button';
      cancel.className = 'cancel';
      cancel.textContent = 'Cancel';
      cancel.addEventListener('click', function (event) { event.stopPropagation(); cancelJob(jobId, cancel); });
      actions.appendChild(cancel);
    }
    place(jobId, row);
    $('#no-jobs').hidden = jobs.size > 0;
    if (selected === jobId) row.classList.add('selected');
  }

  /** Newest first: by creation time, then job id, as the API lists them. */
  function place(jobId, row) {
    var state = current(jobs.get(jobId));
    var before = Array.prototype.find.call(tbody.children, function (other) {
      if (other === row) return false;
      var otherState = current(jobs.get(other.dataset.jobId));
      return otherState.createdAt < state.createdAt || (otherState.createdAt === state.createdAt && other.dataset.jobId < jobId);
    });
    if (row.parentNode !== tbody || row.nextSibling !== (before || null)) tbody.insertBefore(row, before || null);
  }

  function remember(resource) {
    var job = jobs.get(resource.id) || { resource: {}, progress: undefined };
    job.resource = resource;
    jobs.set(resource.id, job);
    render(resource.id);
  }

  async function fetchJob(jobId) {
    try {
      remember(await call('GET', '/v1/imports/' + encodeURIComponent(jobId)));
      if (selected === jobId) showFailures(jobId);
    } catch (error) {
      showProblem('Could not read job ' + jobId + ': ' + error.message);
    }
  }

  /** One version of a job from the stream: applied once, in order; a finished job is read again for its failures and report. */
  function applyProgress(progress) {
    var job = jobs.get(progress.jobId);
    if (job && job.progress && job.progress.version >= progress.version) return;
    var wasFinished = job ? finished.indexOf(current(job).status) >= 0 : false;
    if (!job) {
      job = { resource: { id: progress.jobId }, progress: progress };
      jobs.set(progress.jobId, job);
      fetchJob(progress.jobId);
    }
    job.progress = progress;
    render(progress.jobId);
    if (!wasFinished && finished.indexOf(progress.status) >= 0) fetchJob(progress.jobId);
  }

  // ── The live stream ───────────────────────────────────────────────────────────────────────

  function setConnection(text, live) {
    var badge = $('#connection');
    badge.textContent = text;
    badge.classList.toggle('live', live);
  }

  /** Reads the tenant's progress stream; starts again after a drop (the stream begins with each job's current state). */
  async function follow(controller) {
    try {
      var response = await fetch('/v1/imports/progress', { headers: headers({ accept: 'text/event-stream' }), signal: controller.signal });
      if (response.status === 401) {
        setConnection('not connected', false);
        showProblem('The API key is not valid.');
        return;
      }
      if (!response.ok || !response.body) throw new Error('the stream answered ' + response.status);
      setConnection('live', true);
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffered = '';
      var type = 'message';
      var data = [];
      for (;;) {
        var chunk = await reader.read();
        if (chunk.done) break;
        buffered += decoder.decode(chunk.value, { stream: true });
        var lines = buffered.split(/\r\n|\r|\n/);
        buffered = lines.pop();
        lines.forEach(function (line) {
          if (line === '') {
            if (type === 'progress' && data.length > 0) applyProgress(JSON.parse(data.join('\n')));
            type = 'message';
            data = [];
          } else if (line.indexOf('data:') === 0) {
            data.push(line.slice(5).replace(/^ /, ''));
          } else if (line.indexOf('event:') === 0) {
            type = line.slice(6).trim();
          }
        });
      }
    } catch (error) {
      if (controller.signal.aborted) return;
    }
    if (controller.signal.aborted) return;
    setConnection('reconnecting…', false);
    setTimeout(function () { if (stream === controller) follow(controller); }, 2000);
  }

  async function start() {
    if (stream) stream.abort();
    stream = new AbortController();
    jobs.clear();
    tbody.replaceChildren();
    closeDetails();
    showProblem('');
    try {
      var page = await call('GET', '/v1/imports?limit=50');
      page.jobs.forEach(remember);
      $('#no-jobs').hidden = jobs.size > 0;
    } catch (error) {
      var unauthorized = apiKey() === '' ? 'Enter your API key above.' : 'The API key is not valid.';
      showProblem(error.status === 401 ? unauthorized : 'Could not list the jobs: ' + error.message);
      if (error.status === 401) return;
    }
    follow(stream);
  }

  // ── Actions ───────────────────────────────────────────────────────────────────────────────

  async function cancelJob(jobId, button) {
    button.disabled = true;
    try {
      await call('DELETE', '/v1/imports/' + encodeURIComponent(jobId));
      button.textContent = 'Cancelling…';
    } catch (error) {
      button.disabled = false;
      showProblem('Could not cancel job ' + jobId + ': ' + error.message);
    }
  }

  async function upload(event) {
    event.preventDefault();
    var form = event.target;
    var fields = new FormData(form);
    var body = new FormData();
    ['destinationTopic', 'keyField', 'schema'].forEach(function (name) {
      var value = String(fields.get(name) || '').trim();
      if (value !== '') body.append(name, value);
    });
    body.append('file', fields.get('file'));
    var result = $('#upload-result');
    result.textContent = 'Uploading…';
    try {
      var job = await call('POST', '/v1/imports', body);
      result.textContent = 'Accepted: job ' + job.id;
      remember(job);
    } catch (error) {
      result.textContent = 'Refused: ' + error.message;
    }
  }

  // ── Details: failures and history ─────────────────────────────────────────────────────────

  function closeDetails() {
    selected = undefined;
    $('#details').hidden = true;
    Array.prototype.forEach.call(tbody.querySelectorAll('tr.selected'), function (row) { row.classList.remove('selected'); });
  }

  function showFailures(jobId) {
    var state = current(jobs.get(jobId));
    var body = $('#failures tbody');
    body.replaceChildren();
    var failures = (state.failures || []).slice().sort(function (a, b) { return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line; });
    failures.forEach(function (failure) {
      var row = document.createElement('tr');
      [failure.file, String(failure.line), failure.reason, failure.raw].forEach(function (text) { cell(row, text); });
      body.appendChild(row);
    });
    $('#no-failures').hidden = failures.length > 0;
    var link = $('#report-link');
    var report = state.failedRecordReport;
    link.hidden = !(typeof report === 'string' && /^https?:\/\//.test(report));
    if (!link.hidden) link.href = report; else link.removeAttribute('href');
  }

  async function openDetails(jobId, focus) {
    closeDetails();
    selected = jobId;
    jobs.get(jobId).row.classList.add('selected');
    $('#details-job').textContent = jobId;
    $('#details').hidden = false;
    showFailures(jobId);
    var list = $('#history ol');
    list.replaceChildren();
    $(focus === 'failures' ? '#failures' : '#history').scrollIntoView({ block: 'nearest' });
    try {
      var history = await call('GET', '/v1/imports/' + encodeURIComponent(jobId) + '/events');
      if (selected !== jobId) return;
      history.events.forEach(function (entry) {
        var item = document.createElement('li');
        var data = entry.data;
        var detail = data.pieceId ? ' piece ' + data.pieceId + (data.rowsProcessed !== undefined ? ': ' + data.rowsProcessed + ' rows, ' + data.rowsFailed + ' failed' : '') : '';
        var type = document.createElement('strong');
        type.className = 'event-type';
        type.textContent = entry.type;
        item.append(new Date(entry.occurredAt).toLocaleTimeString() + ' ', type, ' v' + entry.version + detail);
        list.appendChild(item);
      });
    } catch (error) {
      showProblem('Could not read the history of job ' + jobId + ': ' + error.message);
    }
  }

  // ── Start ─────────────────────────────────────────────────────────────────────────────────

  $('#api-key').value = apiKey();
  $('#key-form').addEventListener('submit', function (event) {
    event.preventDefault();
    sessionStorage.setItem(keyStorage, $('#api-key').value.trim());
    start();
  });
  $('#upload-form').addEventListener('submit', upload);
  $('#close-details').addEventListener('click', closeDetails);
  start();
})();
`;
