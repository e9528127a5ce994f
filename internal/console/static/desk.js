// The operator's desk: their live state and console actions, and the call at hand with
// its ticket and the caller's earlier tickets.

import { api, session } from './api.js';
import { $, button, failed, rows, say, when } from './page.js';

const POLL_MS = 1000;

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

export function categoryName(code) {
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

export const STATE_TEXT = {
  offline: 'offline',
  available: 'available',
  ringing: 'ringing',
  on_call: 'on a call',
  wrap_up: 'wrap-up',
  paused: 'paused',
};

// pauseReason is why a paused operator is paused; other states keep their reason
// (such as the end of a wrap-up) for the history only.
export function pauseReason(live) {
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
  let list = [];
  if (phone) {
    const h = await api('GET', '/callers/' + encodeURIComponent(phone) + '/tickets?limit=10');
    list = (h.tickets || []).filter((t) => t.id !== currentID);
  }
  rows('history', list, (t) => [t.reference, when(t.created_at), categoryName(t.service_code),
    t.overdue ? t.status + ' (overdue)' : t.status, t.address || ''], (tr, t) => {
    tr.dataset.ticket = t.reference;
    const cell = tr.insertCell();
    if (!['closed', 'cancelled', 'duplicate'].includes(t.status)) {
      const b = button('Same problem', 'same', () => markDuplicate(t));
      b.title = 'This call reports the problem of ' + t.reference + ': the caller is added to it';
      cell.appendChild(b);
    }
  });
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


// openDesk shows the operator's desk and keeps it current.
export async function openDesk() {
  $('desk').hidden = false;
  session.categories = await api('GET', '/categories');
  fillCategories();
  await refresh();
  session.timer = setInterval(refresh, POLL_MS);
}

export function wireDesk() {
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
}
