// The console: an operator's desk, a supervisor's board, a quality reviewer's
// recordings or a department's tickets, by the role of the token.
// Everything goes through the JSON API with that token; nothing the server sends is
// ever inserted as HTML.
'use strict';

const API = '/api/v1';
const TOKEN_KEY = 'ikomek.console.token';
const POLL_MS = 1000;
const BOARD_POLL_MS = 2000;
const DEPT_POLL_MS = 10000;

const $ = (id) => document.getElementById(id);

const session = {
  token: '',
  me: null,          // whoami: {role, subject, name}
  categories: [],
  callID: 0,         // the call on the screen
  ticket: null,      // that call's ticket
  live: null,
  timer: 0,
  busy: false,
  form: null,        // the active QC scoring form
  recording: null,   // the recording being reviewed
  audioURL: '',
  deptTicket: null,  // the ticket a department has open
};

class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, body) {
  const opts = { method, headers: { Authorization: 'Bearer ' + session.token } };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(API + path, opts);
  } catch (e) {
    throw new APIError(0, 'unavailable', 'The controller cannot be reached.');
  }
  if (res.status === 204) return null;
  let data = null;
  try {
    data = await res.json();
  } catch (e) {
    data = null;
  }
  if (!res.ok) {
    const err = data && data.error ? data.error : { code: 'error', message: res.status + ' ' + res.statusText };
    throw new APIError(res.status, err.code, err.message);
  }
  return data;
}

function say(text, ok) {
  const m = $('message');
  m.textContent = text || '';
  m.className = ok ? 'ok' : '';
  m.hidden = !text;
}

function when(ts) {
  return ts ? new Date(ts).toLocaleString() : '';
}

function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
}

// failed shows a refresh's error; a token no longer valid signs the user out.
function failed(e) {
  if (e.status === 401) {
    signOut('Signed out: ' + e.message);
  } else {
    say(e.message);
  }
}

// Sign in and out.

async function signIn(token) {
  session.token = token;
  let me;
  try {
    me = await api('GET', '/whoami');
  } catch (e) {
    session.token = '';
    throw e;
  }
  const operator = me.role === 'operator' && me.subject;
  const department = me.role === 'department' && me.subject;
  if (!operator && !department && me.role !== 'supervisor' && me.role !== 'qc') {
    session.token = '';
    throw new Error('This console is for operators, supervisors, quality reviewers and departments; this token is ' +
      'for the role ' + me.role + '.');
  }
  session.me = me;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('who').textContent = (me.name || me.subject) + (me.subject ? ' · ' + me.subject : '') + ' · ' + me.role;
  $('signin').hidden = true;
  $('signout').hidden = false;
  say('');
  if (operator) {
    $('desk').hidden = false;
    session.categories = await api('GET', '/categories');
    fillCategories();
    await refresh();
    session.timer = setInterval(refresh, POLL_MS);
  } else if (department) {
    $('dept').hidden = false;
    $('dept-code').textContent = me.subject;
    session.categories = await api('GET', '/categories');
    await refreshDept();
    session.timer = setInterval(refreshDept, DEPT_POLL_MS);
  } else if (me.role === 'qc') {
    $('review').hidden = false;
    await startReview();
  } else {
    $('board').hidden = false;
    await refreshBoard();
    session.timer = setInterval(refreshBoard, BOARD_POLL_MS);
  }
}

function signOut(why) {
  clearInterval(session.timer);
  sessionStorage.removeItem(TOKEN_KEY);
  Object.assign(session, { token: '', me: null, callID: 0, ticket: null, live: null, timer: 0, form: null, recording: null });
  $('desk').hidden = true;
  $('board').hidden = true;
  $('review').hidden = true;
  $('dept').hidden = true;
  $('dept-ticket').hidden = true;
  $('listen').hidden = true;
  $('call').hidden = true;
  dropAudio();
  $('signout').hidden = true;
  $('signin').hidden = false;
  $('who').textContent = '';
  $('token').value = '';
  say(why || '');
}

function fillCategories() {
  const sel = $('category');
  while (sel.options.length > 1) sel.remove(1);
  const groups = new Map();
  for (const c of session.categories) {
    const g = c.group || 'Other';
    if (!groups.has(g)) {
      const og = document.createElement('optgroup');
      og.label = g;
      groups.set(g, og);
      sel.appendChild(og);
    }
    const o = document.createElement('option');
    o.value = c.service_code;
    o.textContent = c.name;
    groups.get(g).appendChild(o);
  }
}

function categoryName(code) {
  const c = session.categories.find((x) => x.service_code === code);
  return c ? c.name : code || '';
}

// Live state.

async function refresh() {
  if (session.busy || !session.me) return;
  session.busy = true;
  try {
    const live = await api('GET', '/operators/' + encodeURIComponent(session.me.subject) + '/live');
    session.live = live;
    showLive(live);
    if (live.call_id && live.call_id !== session.callID) {
      await showCall(live.call_id);
    }
    showCallTitle();
  } catch (e) {
    failed(e);
  } finally {
    session.busy = false;
  }
}

const STATE_TEXT = {
  offline: 'offline',
  available: 'available',
  ringing: 'ringing',
  on_call: 'on a call',
  wrap_up: 'wrap-up',
  paused: 'paused',
};

// pauseReason is why a paused operator is paused; other states keep their reason
// (such as the end of a wrap-up) for the history only.
function pauseReason(live) {
  return live.state === 'paused' && live.reason ? '(' + live.reason + ')' : '';
}

function showLive(live) {
  $('state').textContent = STATE_TEXT[live.state] || live.state;
  $('state').dataset.state = live.state;
  $('reason').textContent = pauseReason(live);
  $('since').textContent = when(live.since);
  $('softphone').textContent = live.registered ? 'registered' : 'not registered';
  $('missed').textContent = String(live.missed || 0);
  const st = live.state;
  $('login').disabled = st !== 'offline';
  $('logout').disabled = st === 'offline' || st === 'ringing' || st === 'on_call';
  $('pause').disabled = st === 'offline' || st === 'paused';
  $('resume').disabled = st !== 'paused';
}

function showCallTitle() {
  const live = session.live;
  if (!session.callID || !live) return;
  let title = 'Last call';
  if (live.call_id === session.callID) {
    title = { ringing: 'Incoming call', on_call: 'Call in progress', wrap_up: 'Call ended: wrap-up' }[live.state] || title;
  }
  $('call-title').textContent = title;
}

async function act(action, body) {
  try {
    const live = await api('POST', '/operators/' + encodeURIComponent(session.me.subject) + '/' + action, body);
    if (live && live.state) showLive(live);
    say('');
    await refresh();
  } catch (e) {
    say(e.message);
  }
}

// The call on the screen: its caller, its ticket, the caller's earlier tickets.

async function showCall(id) {
  const c = await api('GET', '/calls/' + id);
  const page = await api('GET', '/tickets?call=' + id);
  const t = page.tickets && page.tickets[0];
  if (!t) {
    say('The ticket of call ' + id + ' is not registered yet.');
    return;
  }
  session.callID = id;
  session.ticket = t;
  $('caller-number').textContent = c.caller_number || 'hidden number';
  $('caller-number').dataset.phone = c.caller_number || '';
  $('call-line').textContent = c.line;
  $('call-language').textContent = c.language || '';
  $('call-arrived').textContent = when(c.arrived_at);
  $('category').value = t.service_code || '';
  $('address').value = t.address || '';
  $('description').value = t.description || '';
  $('answer').value = '';
  $('saved').textContent = '';
  showTicketHead(t);
  showSpot();
  $('call').hidden = false;
  say('');
  await showHistory(c.caller_number, t.id);
}

// showTicketHead shows the ticket's reference and status; the form stays open while
// the ticket is still being registered, and is closed once it went on.
function showTicketHead(t) {
  $('ticket-ref').textContent = t.reference;
  $('ticket-status').textContent = t.department ? t.status + ' · ' + t.department : t.status;
  $('ticket-fields').disabled = t.status !== 'registered';
}

function onTheSpot() {
  const c = session.categories.find((x) => x.service_code === $('category').value);
  return !!(c && c.on_the_spot);
}

// showSpot offers closing the ticket with the answer given for the requests answered
// on the spot (bus routes, addresses), and sending it on for the rest.
function showSpot() {
  const spot = onTheSpot();
  $('spot').hidden = !spot;
  $('answered').hidden = !spot;
  $('assign').hidden = spot;
}

async function showHistory(phone, currentID) {
  const body = $('history').tBodies[0];
  clear(body);
  let list = [];
  if (phone) {
    const h = await api('GET', '/callers/' + encodeURIComponent(phone) + '/tickets?limit=10');
    list = (h.tickets || []).filter((t) => t.id !== currentID);
  }
  for (const t of list) {
    const tr = body.insertRow();
    tr.dataset.ticket = t.reference;
    for (const text of [t.reference, when(t.created_at), categoryName(t.service_code),
      t.overdue ? t.status + ' (overdue)' : t.status, t.address || '']) {
      tr.insertCell().textContent = text;
    }
    const cell = tr.insertCell();
    if (!['closed', 'cancelled', 'duplicate'].includes(t.status)) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'same';
      b.textContent = 'Same problem';
      b.title = 'This call reports the problem of ' + t.reference + ': the caller is added to it';
      b.addEventListener('click', () => markDuplicate(t));
      cell.appendChild(b);
    }
  }
  $('history-empty').hidden = list.length > 0;
}

// saveTicket saves the form on the call's ticket and reports whether it did.
async function saveTicket() {
  const t = session.ticket;
  if (!t) return false;
  const body = {
    version: t.version,
    service_code: $('category').value,
    address: $('address').value.trim(),
    description: $('description').value.trim(),
  };
  try {
    const saved = await api('PATCH', '/tickets/' + t.id, body);
    session.ticket = saved;
    showTicketHead(saved);
    $('saved').textContent = 'Saved at ' + new Date().toLocaleTimeString() + '.';
    say('');
    return true;
  } catch (e) {
    if (e.status === 409) {
      // Someone changed the ticket since it was loaded: take the new version, keep
      // what the operator typed, and let them decide.
      try {
        session.ticket = await api('GET', '/tickets/' + t.id);
        showTicketHead(session.ticket);
      } catch (e2) {
        say(e2.message);
        return;
      }
      say('The ticket was changed elsewhere (' + categoryName(session.ticket.service_code) + ', ' +
        (session.ticket.address || 'no address') + '). Your text is kept: check it and save again.');
    } else {
      say(e.message);
    }
    return false;
  }
}

// move changes the status of the call's ticket.
async function move(change, done) {
  const t = session.ticket;
  try {
    const moved = await api('POST', '/tickets/' + t.id + '/status', Object.assign({ version: t.version }, change));
    session.ticket = moved;
    showTicketHead(moved);
    $('saved').textContent = done(moved);
    say('');
    await showHistory($('caller-number').dataset.phone, moved.id);
  } catch (e) {
    say(e.message);
  }
}

async function finish(to) {
  if (!$('ticket-form').reportValidity() || !(await saveTicket())) return;
  if (to === 'closed') {
    const answer = $('answer').value.trim();
    if (!answer) {
      say('Write the answer given to the caller.');
      return;
    }
    await move({ to: 'closed', note: answer }, () => 'Closed: answered on the spot.');
  } else {
    await move({ to: 'assigned' }, (t) => 'Sent to ' + t.department + '.');
  }
}

async function markDuplicate(orig) {
  await move({ to: 'duplicate', duplicate_of: orig.id }, () => 'Added to ' + orig.reference + ' as a further caller.');
}

// The supervisor's board: the line of waiting callers, every operator's live state,
// and the staffing of the current interval against the roster.

function seconds(s) {
  s = Math.round(s);
  return s < 60 ? s + ' s' : Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
}

function rows(table, items, cells) {
  const body = $(table).tBodies[0];
  clear(body);
  for (const it of items) {
    const tr = body.insertRow();
    for (const text of cells(it)) tr.insertCell().textContent = text;
  }
  return body;
}

async function refreshBoard() {
  if (session.busy || !session.me) return;
  session.busy = true;
  try {
    const midnight = new Date();
    midnight.setHours(0, 0, 0, 0);
    const [queue, ops, today] = await Promise.all([api('GET', '/queue'), api('GET', '/operators/live'),
      api('GET', '/calls/summary?line=109&from=' + encodeURIComponent(midnight.toISOString()))]);
    showToday(today);
    $('waiting').textContent = String(queue.waiting);
    $('longest').textContent = seconds(queue.longest_wait_seconds);
    rows('queue-table', queue.calls, (c) => [String(c.position), c.caller_number || 'hidden number', c.line,
      c.language || '', c.priority ? String(c.priority) : '', seconds(c.wait_seconds)]);
    const body = rows('operators-table', ops, (o) => [o.login,
      [STATE_TEXT[o.state] || o.state, pauseReason(o)].join(' ').trim(), when(o.since),
      o.registered ? 'registered' : 'not registered', o.call_id ? String(o.call_id) : '', String(o.missed || 0)]);
    ops.forEach((o, i) => { body.rows[i].dataset.login = o.login; });
    await refreshStaffing();
    say('');
  } catch (e) {
    failed(e);
  } finally {
    session.busy = false;
  }
}

function showToday(t) {
  const sl = t.service_level == null ? 'no service level yet' :
    'service level ' + Math.round(t.service_level * 100) + ' %: ' + t.answered_within_target + ' within ' +
    t.target_seconds + ' s';
  $('today-summary').textContent = t.arrived + ' arrived, ' + t.answered + ' answered (' + sl + '), ' +
    t.abandoned + ' abandoned, ' + t.open + ' open; average wait ' + seconds(t.average_wait_seconds) +
    ', longest ' + seconds(t.longest_wait_seconds) + '; average talk ' + seconds(t.average_talk_seconds) + '.';
}

async function refreshStaffing() {
  let now;
  try {
    now = await api('GET', '/staffing/now');
  } catch (e) {
    $('staffing-summary').textContent = 'Not available: ' + e.message;
    $('staffing-absent').textContent = '';
    $('staffing-unplanned').textContent = '';
    return;
  }
  const n = (xs) => (xs || []).length;
  const forecast = now.forecast_calls == null ? 'no forecast' : Math.round(now.forecast_calls) + ' forecast';
  $('staffing-summary').textContent = n(now.planned) + ' planned (' + n(now.on_break) + ' on break), ' +
    n(now.logged_in) + ' logged in, ' + n(now.available) + ' available; calls this interval: ' +
    Math.round(now.actual_calls) + ' arrived, ' + forecast + '.';
  $('staffing-absent').textContent = n(now.absent) ? 'Absent: ' + now.absent.join(', ') : '';
  $('staffing-unplanned').textContent = n(now.unplanned) ? 'Without a shift now: ' + now.unplanned.join(', ') : '';
}

// Quality review: find recorded calls, listen to one, score it on the active form.
// Every listen goes through the API, which logs it.

async function startReview() {
  const forms = (await api('GET', '/qc/forms')).forms || [];
  session.form = forms.find((f) => f.active) || null;
  const box = $('criteria');
  clear(box);
  if (!session.form) {
    $('form-name').textContent = 'No active scoring form: a supervisor creates one.';
    $('submit-review').disabled = true;
  } else {
    $('form-name').textContent = session.form.name;
    $('submit-review').disabled = false;
    for (const c of session.form.criteria) {
      const label = document.createElement('label');
      label.textContent = c.label + ' (weight ' + c.weight + ', 0-' + c.max + ')';
      const input = document.createElement('input');
      Object.assign(input, { type: 'number', min: '0', max: String(c.max), step: '1', required: true });
      input.dataset.code = c.code;
      label.appendChild(input);
      box.appendChild(label);
    }
  }
  await searchRecordings();
}

function dayStart(value, plusDays) {
  const d = new Date(value + 'T00:00:00');
  d.setDate(d.getDate() + plusDays);
  return d.toISOString();
}

async function searchRecordings() {
  const q = new URLSearchParams();
  if ($('search-from').value) q.set('from', dayStart($('search-from').value, 0));
  if ($('search-to').value) q.set('to', dayStart($('search-to').value, 1));
  for (const [key, id] of [['caller', 'search-caller'], ['operator', 'search-operator'], ['ticket', 'search-ticket']]) {
    const v = $(id).value.trim();
    if (v) q.set(key, v);
  }
  try {
    const found = (await api('GET', '/recordings?' + q.toString())).recordings || [];
    const body = rows('recordings', found, (r) => [String(r.call_id), when(r.arrived_at), r.caller_number,
      r.operator_login, seconds(r.duration_seconds), (r.tickets || []).join(', ')]);
    found.forEach((r, i) => {
      const tr = body.rows[i];
      tr.dataset.call = String(r.call_id);
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'listen';
      b.textContent = r.removed_at ? 'Audio removed' : 'Listen';
      b.disabled = !!r.removed_at;
      b.addEventListener('click', () => openRecording(r));
      tr.insertCell().appendChild(b);
    });
    $('recordings-empty').hidden = found.length > 0;
    say('');
  } catch (e) {
    failed(e);
  }
}

function dropAudio() {
  const player = $('player');
  player.removeAttribute('src');
  if (session.audioURL) URL.revokeObjectURL(session.audioURL);
  session.audioURL = '';
}

async function openRecording(r) {
  dropAudio();
  session.recording = r;
  $('listen-call').textContent = String(r.call_id);
  $('listen-about').textContent = r.caller_number + ' with ' + r.operator_login + ', ' + when(r.arrived_at) + ', ' +
    seconds(r.duration_seconds) + ((r.tickets || []).length ? ', tickets ' + r.tickets.join(', ') : '');
  $('listen').hidden = false;
  for (const input of $('criteria').querySelectorAll('input')) input.value = '';
  $('notes').value = '';
  try {
    // The audio needs the token, which an <audio src> cannot send: it is fetched here
    // and played from memory.
    const res = await fetch(API + '/recordings/' + r.id + '/audio', { headers: { Authorization: 'Bearer ' + session.token } });
    if (!res.ok) {
      let msg = res.status + ' ' + res.statusText;
      try {
        msg = (await res.json()).error.message;
      } catch (e) {
        // keep the status line
      }
      throw new APIError(res.status, 'audio', msg);
    }
    session.audioURL = URL.createObjectURL(await res.blob());
    $('player').src = session.audioURL;
    await showReviews(r.call_id);
    say('');
  } catch (e) {
    say(e.message);
  }
}

async function showReviews(callID) {
  const rs = (await api('GET', '/qc/reviews?call_id=' + callID)).reviews || [];
  rows('reviews', rs, (v) => [when(v.created_at), v.reviewer_name, String(v.total), v.outcome, v.notes || '']);
}

async function submitReview() {
  const r = session.recording;
  if (!r || !session.form) return;
  const scores = {};
  for (const input of $('criteria').querySelectorAll('input')) scores[input.dataset.code] = Number(input.value);
  try {
    const saved = await api('POST', '/qc/reviews', { call_id: r.call_id, form_id: session.form.id, scores,
      outcome: $('outcome').value, notes: $('notes').value.trim() });
    say('Review saved: total ' + saved.total + ' for ' + saved.operator_login + '.', true);
    await showReviews(r.call_id);
  } catch (e) {
    say(e.message);
  }
}

// A department's desk: its tickets, and the steps a department takes on one:
// acknowledge, work, resolve with what was done, or return it with the reason.

const DEPT_FILTERS = {
  open: 'status=assigned,acknowledged,in_progress,reopened',
  overdue: 'overdue=true',
  resolved: 'status=resolved',
  all: '',
};

async function refreshDept() {
  if (session.busy || !session.me) return;
  session.busy = true;
  try {
    const q = DEPT_FILTERS[$('dept-show').value] || '';
    const page = await api('GET', '/tickets?page_size=200' + (q ? '&' + q : ''));
    const list = page.tickets || [];
    const body = rows('dept-tickets', list, (t) => [t.reference, when(t.created_at), categoryName(t.service_code),
      t.priority, t.address || '', t.overdue ? t.status + ' (overdue)' : t.status,
      t.sla ? when(t.sla.response_due_at) : '', t.sla ? when(t.sla.resolution_due_at) : '']);
    list.forEach((t, i) => {
      const tr = body.rows[i];
      tr.dataset.ticket = t.reference;
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'open';
      b.textContent = 'Open';
      b.addEventListener('click', () => openDeptTicket(t.id));
      tr.insertCell().appendChild(b);
    });
    $('dept-empty').hidden = list.length > 0;
    say('');
  } catch (e) {
    failed(e);
  } finally {
    session.busy = false;
  }
}

async function openDeptTicket(id) {
  try {
    showDeptTicket(await api('GET', '/tickets/' + id));
    $('dt-note').value = '';
    say('');
  } catch (e) {
    say(e.message);
  }
}

function showDeptTicket(t) {
  session.deptTicket = t;
  $('dt-ref').textContent = t.reference;
  $('dt-status').textContent = t.overdue ? t.status + ' (overdue)' : t.status;
  $('dt-category').textContent = categoryName(t.service_code);
  $('dt-address').textContent = t.address || '';
  $('dt-description').textContent = t.description || '';
  $('dt-due').textContent = t.sla ? 'react by ' + when(t.sla.response_due_at) + ', resolve by ' +
    when(t.sla.resolution_due_at) : '';
  const st = t.status;
  const working = ['assigned', 'acknowledged', 'in_progress', 'reopened'].includes(st);
  $('dt-ack').disabled = st !== 'assigned' && st !== 'reopened';
  $('dt-progress').disabled = !working || st === 'in_progress';
  $('dt-resolve').disabled = !working;
  $('dt-return').disabled = !working;
  $('dt-addnote').disabled = false;
  rows('dt-history', t.events || [], (e) => [when(e.at), e.actor.name || e.actor.role,
    e.to ? (e.from ? e.from + ' → ' : '') + e.to : e.type, e.reason || '']);
  $('dept-ticket').hidden = false;
}

async function deptStep(path, body, done) {
  const t = session.deptTicket;
  if (!t) return;
  try {
    const moved = await api('POST', '/tickets/' + t.id + path, Object.assign({ version: t.version }, body));
    if (moved.status === 'registered') {
      // Returned to the center: no longer the department's to see.
      session.deptTicket = null;
      $('dept-ticket').hidden = true;
    } else {
      showDeptTicket(await api('GET', '/tickets/' + t.id));
    }
    $('dt-note').value = '';
    await refreshDept();
    say(done, true);
  } catch (e) {
    if (e.status === 409) {
      // Changed meanwhile (by the center or a colleague): show what it is now.
      await openDeptTicket(t.id);
    }
    say(e.message);
  }
}

function deptMove(to, done) {
  const note = $('dt-note').value.trim();
  return deptStep('/status', note ? { to, note } : { to }, done);
}

function start() {
  $('signin').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await signIn($('token').value.trim());
    } catch (e) {
      say(e.message);
    }
  });
  $('signout').addEventListener('click', () => signOut(''));
  $('login').addEventListener('click', () => act('login'));
  $('logout').addEventListener('click', () => act('logout'));
  $('pause').addEventListener('click', () => act('pause', { reason: $('pause-reason').value }));
  $('resume').addEventListener('click', () => act('resume'));
  $('ticket-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    saveTicket();
  });
  $('category').addEventListener('change', showSpot);
  $('assign').addEventListener('click', () => finish('assigned'));
  $('answered').addEventListener('click', () => finish('closed'));
  $('dept-show').addEventListener('change', refreshDept);
  $('dt-ack').addEventListener('click', () => deptMove('acknowledged', 'Acknowledged.'));
  $('dt-progress').addEventListener('click', () => deptMove('in_progress', 'In progress.'));
  $('dt-resolve').addEventListener('click', () => deptMove('resolved', 'Resolved.'));
  $('dt-return').addEventListener('click', () => deptMove('registered', 'Returned to the center for re-routing.'));
  $('dt-addnote').addEventListener('click', () => deptStep('/notes', { text: $('dt-note').value.trim() }, 'Note added.'));
  $('search').addEventListener('submit', (ev) => {
    ev.preventDefault();
    searchRecordings();
  });
  $('score-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    submitReview();
  });
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) {
    signIn(saved).catch((e) => signOut(e.message));
  }
}

document.addEventListener('DOMContentLoaded', start);
