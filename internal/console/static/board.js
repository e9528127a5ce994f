// The supervisor's board: the day's calls, the line of waiting callers, every
// operator's live state, and the staffing of the current interval against the roster.

import { api, session } from './api.js';
import { $, failed, rows, say, seconds, when } from './page.js';
import { pauseReason, STATE_TEXT } from './desk.js';

const POLL_MS = 2000;

// openBoard shows the board and keeps it current.
export async function openBoard() {
  $('board').hidden = false;
  await refreshBoard();
  session.timer = setInterval(refreshBoard, POLL_MS);
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
    rows('operators-table', ops, (o) => [o.login,
      [STATE_TEXT[o.state] || o.state, pauseReason(o)].join(' ').trim(), when(o.since),
      o.registered ? 'registered' : 'not registered', o.call_id ? String(o.call_id) : '', String(o.missed || 0)],
    (tr, o) => { tr.dataset.login = o.login; });
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
