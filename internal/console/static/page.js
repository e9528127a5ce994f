// Helpers of the page: messages, times, tables. Text only: nothing is inserted as HTML.

export const $ = (id) => document.getElementById(id);

// onUnauthorized is called when the token is no longer valid (set by the console).
export const hooks = { onUnauthorized: (message) => say(message) };

export function say(text, ok) {
  const m = $('message');
  m.textContent = text || '';
  m.className = ok ? 'ok' : '';
  m.hidden = !text;
}

export function when(ts) {
  return ts ? new Date(ts).toLocaleString() : '';
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
}

// failed shows a refresh's error; a token no longer valid signs the user out.
export function failed(e) {
  if (e.status === 401) {
    hooks.onUnauthorized('Signed out: ' + e.message);
  } else {
    say(e.message);
  }
}

export function seconds(s) {
  s = Math.round(s);
  return s < 60 ? s + ' s' : Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
}

// rows fills a table's body with a row per item: the texts of cells(item), then
// whatever each(row, item) adds (keys for finding the row, buttons).
export function rows(table, items, cells, each) {
  const body = $(table).tBodies[0];
  clear(body);
  for (const it of items) {
    const tr = body.insertRow();
    for (const text of cells(it)) tr.insertCell().textContent = text;
    if (each) each(tr, it);
  }
}

// button is a button of a row: its text, a class naming it, and what a click does.
export function button(text, className, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = className;
  b.textContent = text;
  b.addEventListener('click', onClick);
  return b;
}
