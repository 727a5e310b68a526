// What every page uses: the DOM helper, the JSON API, messages, field errors, downloads, the session.

export const $ = (sel, root = document) => root.querySelector(sel);
export const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c.nodeType ? c : document.createTextNode(String(c)));
  return e;
};
export const params = new URLSearchParams(location.search);
export const itDate = (iso) => (iso ? new Date(`${iso.slice(0, 10)}T12:00:00Z`).toLocaleDateString('it-IT', { day: '2-digit', month: '2-digit', year: 'numeric' }) : '–');
export const itDateTime = (iso) => new Date(iso).toLocaleString('it-IT', { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Rome' });
export const today = () => new Date().toISOString().slice(0, 10);
export const row = (k, v) => [el('dt', {}, k), el('dd', {}, v ?? '–')];
export const addr = (a) => `${a.via} ${a.civico}${a.interno ? `, interno ${a.interno}` : ''} – ${a.cap} ${a.comune} (${a.provincia})`;

/** Calls the JSON API; returns { ok, status, data, blob, headers }. */
export async function api(path, { method = 'GET', body, csrf, raw = false, headers: extra = {} } = {}) {
  const headers = { Accept: 'application/json', ...extra };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (csrf) headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    return { ok: false, status: 0, data: { message: 'Connessione non riuscita: controlla la rete e riprova.' } };
  }
  const type = res.headers.get('content-type') || '';
  if (raw && res.ok && type.includes('application/pdf')) return { ok: true, status: res.status, blob: await res.blob(), headers: res.headers };
  const data = type.includes('application/json') ? await res.json().catch(() => ({})) : {};
  if (!res.ok && !data.message) data.message = 'Si è verificato un errore: riprova tra qualche minuto.';
  return { ok: res.ok, status: res.status, data, headers: res.headers };
}

export function notice(target, kind, text) {
  target.replaceChildren(el('div', { class: `alert alert-${kind}`, role: kind === 'danger' ? 'alert' : 'status' }, text));
}

export function busy(target, text) {
  target.replaceChildren(el('div', { class: 'in-corso', role: 'status' },
    el('div', { class: 'progress-spinner progress-spinner-active size-sm', 'aria-hidden': 'true' }),
    el('span', {}, text)));
}

/**
 * Marks a field invalid with its message next to it (or clears it with `null`). The field's
 * message lives in `<id>-errore`; a group (a fieldset of radios) is marked on the group.
 */
export function fieldError(id, message) {
  const input = document.getElementById(id);
  const feedback = document.getElementById(`${id}-errore`);
  const help = input.dataset.help ?? (input.dataset.help = input.getAttribute('aria-describedby') || '');
  input.classList.toggle('is-invalid', !!message);
  const group = input.matches('fieldset');
  for (const e of group ? input.querySelectorAll('input') : [input]) {
    if (message) e.setAttribute('aria-invalid', 'true'); else e.removeAttribute('aria-invalid');
  }
  const described = [message ? feedback.id : '', help].filter(Boolean).join(' ');
  if (described) input.setAttribute('aria-describedby', described); else input.removeAttribute('aria-describedby');
  feedback.textContent = message || '';
  feedback.classList.toggle('d-block', !!message);
}

/** Where the summary's link for field `id` leads: the field, or a group's first control. */
const anchor = (id) => {
  const e = document.getElementById(id);
  return e.matches('fieldset') ? (e.querySelector('input:not([type="radio"])') || e.querySelector('input'))?.id || id : id;
};

/**
 * Shows every error of a form at once: each on its field, and a summary at the top of the
 * form linking to the fields (the summary gets the focus). `errors` is [[id, message], …].
 */
export function showErrors(summary, errors) {
  for (const f of summary.dataset.fields?.split(' ').filter(Boolean) || []) fieldError(f, null);
  summary.dataset.fields = errors.map(([id]) => id).join(' ');
  for (const [id, message] of errors) fieldError(id, message);
  if (!errors.length) { summary.replaceChildren(); summary.hidden = true; return; }
  summary.hidden = false;
  summary.replaceChildren(el('div', { class: 'alert alert-danger', role: 'alert', tabindex: '-1' },
    el('p', { class: 'fw-semibold mb-1' }, errors.length === 1 ? 'Correggi il campo segnalato:' : `Correggi i ${errors.length} campi segnalati:`),
    el('ul', { class: 'mb-0' }, errors.map(([id, message]) => el('li', {}, el('a', { href: `#${anchor(id)}` }, message))))));
  summary.firstChild.focus();
}

/**
 * An API refusal: on its field when it names one of the form's (`fields` maps the API's field
 * paths to the form's ids), else as a message in `target`.
 */
export function refusal(summary, target, data, fields) {
  const field = fields[data.field];
  if (!field) { notice(target, 'danger', data.message); return; }
  showErrors(summary, [[field, data.message]]);
  target.replaceChildren();
}

export function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function filename(headers, fallback) {
  const m = /filename="([^"]+)"/.exec(headers.get('content-disposition') || '');
  return m ? m[1] : fallback;
}

let meCache;
export async function me() {
  if (meCache === undefined) {
    const r = await api('/api/me');
    meCache = r.ok ? r.data : null;
  }
  return meCache;
}

/** Pages behind login send the visitor to the access page. */
export async function requireLogin() {
  const m = await me();
  if (!m) {
    location.assign('/accesso.html');
    throw new Error('login required');
  }
  return m;
}

/** Shows the e-mail fields only when "Invia per e-mail" is chosen. */
export function deliveryChoice(m) {
  for (const radio of document.querySelectorAll('input[name="consegna"]')) radio.addEventListener('change', () => { $('#campi-email').hidden = !$('#consegna-email').checked; });
  $('#email').value = m.email || '';
}
