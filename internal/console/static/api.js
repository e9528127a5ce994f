// Talking to the controller's JSON API with the signed-in user's token.

export const API = '/api/v1';

// session is the signed-in user and what their view holds.
export const session = {
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

export class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(method, path, body) {
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
