// The console: an operator's desk, a supervisor's board, a quality reviewer's
// recordings or a department's tickets, by the role of the token the user signs in
// with. Everything goes through the JSON API with that token; nothing the server sends
// is ever inserted as HTML.

import { api, session } from './api.js';
import { $, hooks, say } from './page.js';
import { openBoard } from './board.js';
import { openDept, wireDept } from './dept.js';
import { openDesk, wireDesk } from './desk.js';
import { dropAudio, openReview, wireReview } from './review.js';

const TOKEN_KEY = 'ikomek.console.token';

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
    await openDesk();
  } else if (department) {
    await openDept();
  } else if (me.role === 'qc') {
    await openReview();
  } else {
    await openBoard();
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

function start() {
  hooks.onUnauthorized = signOut;
  $('signin').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await signIn($('token').value.trim());
    } catch (e) {
      say(e.message);
    }
  });
  $('signout').addEventListener('click', () => signOut(''));
  wireDesk();
  wireDept();
  wireReview();
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) {
    signIn(saved).catch((e) => signOut(e.message));
  }
}

start();
