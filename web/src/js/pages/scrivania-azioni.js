// What an operator does on an application: take it, act on it (each action a button, with the
// reason the law requires for some), and keep internal notes the citizen never sees.
import { api, busy, el, itDateTime, notice, showErrors } from '../lib.js';
import { section } from './istanze-parti.js';

export const ACTIONS = {
  request_integration: 'Richiedi integrazione', resume: 'Riprendi la lavorazione', accept: 'Accogli',
  accept_with_reserve: 'Accogli con riserva (iscrizione)', confirm: 'Conferma definitivamente',
  pre_reject: 'Preavviso di rigetto (art. 10-bis L. 241/1990)', reject: 'Respingi', cancel: 'Annulla',
};
const STYLE = { accept: 'btn-primary', accept_with_reserve: 'btn-primary', confirm: 'btn-primary', reject: 'btn-outline-danger', cancel: 'btn-outline-danger' };

const post = (view, path, body, csrf) => api(`/api/operatore/istanze/${encodeURIComponent(view.id)}/${path}`, { method: 'POST', body, csrf });

const textarea = (id, label, help) => [
  el('label', { class: 'form-label', for: id }, label),
  el('textarea', { class: 'form-control', id, rows: '4', maxlength: '4000', 'aria-describedby': help ? `${id}-aiuto` : undefined }),
  help ? el('small', { class: 'form-text', id: `${id}-aiuto` }, help) : null,
  el('div', { class: 'invalid-feedback', id: `${id}-errore` }),
];

export function workSection(view, { csrf, done }) {
  const actions = view.actions || [];
  const needs = view.needs_reason || [];
  const status = el('div', { class: 'mt-3', 'aria-live': 'polite' });
  const parts = [];
  if (actions.includes('take')) {
    const take = el('button', { type: 'button', class: 'btn btn-primary', id: 'prendi' }, 'Prendi in carico');
    take.addEventListener('click', async () => {
      take.disabled = true;
      busy(status, 'Presa in carico…');
      const r = await post(view, 'prendi', undefined, csrf).finally(() => { take.disabled = false; });
      if (!r.ok) { notice(status, 'danger', r.data.message); return; }
      done(r.data, 'Hai preso in carico la pratica.');
    });
    parts.push(el('div', { class: 'azioni' }, take));
  }
  const possible = actions.filter((a) => ACTIONS[a]);
  if (possible.length) {
    const summary = el('div', { id: 'azione-errori', hidden: true });
    const buttons = possible.map((a) => el('button', { type: 'button', class: `btn ${STYLE[a] || 'btn-outline-primary'}`, 'data-action': a }, ACTIONS[a]));
    const required = needs.filter((a) => possible.includes(a)).map((a) => `«${ACTIONS[a]}»`);
    parts.push(el('div', { id: 'azioni-pratica' }, summary,
      el('div', { class: 'mb-3' }, ...textarea('motivazione', 'Motivazione',
        `${required.length ? `Obbligatoria per ${required.join(', ')}. ` : ''}Il cittadino la legge nella sua pratica e nel documento che riceve.`)),
      el('div', { class: 'azioni' }, buttons)));
    parts[parts.length - 1].addEventListener('click', async (ev) => {
      const b = ev.target.closest('button[data-action]');
      if (!b) return;
      const action = b.dataset.action;
      const reason = document.getElementById('motivazione').value.trim();
      showErrors(summary, needs.includes(action) && !reason ? [['motivazione', `Scrivi la motivazione: è obbligatoria per «${ACTIONS[action]}».`]] : []);
      if (needs.includes(action) && !reason) return;
      for (const x of buttons) x.disabled = true;
      busy(status, `${ACTIONS[action]}: in corso…`);
      const r = await post(view, 'azioni', { action, reason }, csrf).finally(() => { for (const x of buttons) x.disabled = false; });
      if (r.ok) { done(r.data, `Fatto: la pratica è ora «${r.data.state_label}».`); return; }
      status.replaceChildren();
      if (r.data.field === 'reason') showErrors(summary, [['motivazione', r.data.message]]); else notice(status, 'danger', r.data.message);
    });
  }
  if (!parts.length) parts.push(el('p', {}, 'In questo stato non ci sono azioni da compiere sulla pratica.'));
  return section('lavorazione', 'Lavorazione', ...parts, status);
}

export function notesSection(view, { csrf, done, who }) {
  const summary = el('div', { id: 'nota-errori', hidden: true });
  const notes = view.notes || [];
  const form = el('form', { id: 'form-nota', novalidate: true, class: 'mt-3' }, summary,
    el('div', { class: 'mb-3' }, ...textarea('nota', 'Nuova nota interna')),
    el('div', { class: 'azioni' }, el('button', { type: 'submit', class: 'btn btn-outline-primary' }, 'Aggiungi la nota')));
  const status = el('div', { class: 'mt-2', 'aria-live': 'polite' });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const text = document.getElementById('nota').value.trim();
    showErrors(summary, text ? [] : [['nota', 'Scrivi il testo della nota.']]);
    if (!text) return;
    busy(status, 'Salvataggio della nota…');
    const r = await post(view, 'note', { text }, csrf);
    if (!r.ok) { notice(status, 'danger', r.data.message); return; }
    done(r.data, 'Nota interna aggiunta.');
  });
  return section('note', 'Note interne: il cittadino non le vede', el('div', { class: 'note-interne' },
    notes.length ? el('ol', { class: 'messaggi' }, notes.map((n) => el('li', { class: 'messaggio' },
      el('p', { class: 'mb-1 fw-semibold' }, who(n.by), ' — ', el('time', { datetime: n.at }, itDateTime(n.at))),
      el('p', { class: 'testo-messaggio mb-0' }, n.text)))) : el('p', {}, 'Nessuna nota interna.'),
    form, status));
}
