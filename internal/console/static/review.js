import { API, api, APIError, session } from './api.js';
import { $, button, clear, failed, rows, say, seconds, when } from './page.js';

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
    rows('recordings', found, (r) => [String(r.call_id), when(r.arrived_at), r.caller_number,
      r.operator_login, seconds(r.duration_seconds), (r.tickets || []).join(', ')], (tr, r) => {
      tr.dataset.call = String(r.call_id);
      const b = button(r.removed_at ? 'Audio removed' : 'Listen', 'listen', () => openRecording(r));
      b.disabled = !!r.removed_at;
      tr.insertCell().appendChild(b);
    });
    $('recordings-empty').hidden = found.length > 0;
    say('');
  } catch (e) {
    failed(e);
  }
}

export function dropAudio() {
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


// openReview shows the recorded calls and the active scoring form.
export async function openReview() {
  $('review').hidden = false;
  await startReview();
}

export function wireReview() {
  $('search').addEventListener('submit', (ev) => {
    ev.preventDefault();
    searchRecordings();
  });
  $('score-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    submitReview();
  });
}
