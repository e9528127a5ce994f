import { api, session } from './api.js';
import { $, button, failed, rows, say, when } from './page.js';
import { categoryName } from './desk.js';

const POLL_MS = 10000;

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
    rows('dept-tickets', list, (t) => [t.reference, when(t.created_at), categoryName(t.service_code),
      t.priority, t.address || '', t.overdue ? t.status + ' (overdue)' : t.status,
      t.sla ? when(t.sla.response_due_at) : '', t.sla ? when(t.sla.resolution_due_at) : ''], (tr, t) => {
      tr.dataset.ticket = t.reference;
      tr.insertCell().appendChild(button('Open', 'open', () => openDeptTicket(t.id)));
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


// openDept shows the department's tickets and keeps the list current.
export async function openDept() {
  $('dept').hidden = false;
  $('dept-code').textContent = session.me.subject;
  session.categories = await api('GET', '/categories');
  await refreshDept();
  session.timer = setInterval(refreshDept, POLL_MS);
}

export function wireDept() {
  $('dept-show').addEventListener('change', refreshDept);
  $('dt-ack').addEventListener('click', () => deptMove('acknowledged', 'Acknowledged.'));
  $('dt-progress').addEventListener('click', () => deptMove('in_progress', 'In progress.'));
  $('dt-resolve').addEventListener('click', () => deptMove('resolved', 'Resolved.'));
  $('dt-return').addEventListener('click', () => deptMove('registered', 'Returned to the center for re-routing.'));
  $('dt-addnote').addEventListener('click', () => deptStep('/notes', { text: $('dt-note').value.trim() }, 'Note added.'));
}
