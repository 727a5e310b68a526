// Le mie pratiche: the citizen's applications, newest first; drafts marked "Bozza — non
// inviata" with the link to resume them, late ones with "In ritardo".
import { $, api, busy, el, itDate, notice, requireLogin } from '../lib.js';
import { lateBadge, stateBadge } from './istanze-formato.js';

const pair = (label, value) => el('div', {}, el('dt', {}, `${label}:`), ' ', el('dd', {}, value));

function card(a) {
  const href = a.draft ? `/istanza.html?id=${encodeURIComponent(a.id)}` : `/pratica.html?id=${encodeURIComponent(a.id)}`;
  return el('div', { class: 'col-12 col-lg-6' },
    el('article', { class: 'it-card it-card-height-full rounded shadow-sm border scheda-pratica', 'data-id': a.id },
      el('h2', { class: 'it-card-title h5' }, a.title),
      el('div', { class: 'it-card-body' },
        el('p', { class: 'mb-2' }, el('span', { class: 'visually-hidden' }, 'Stato: '), stateBadge(a.state, a.state_label), a.overdue ? lateBadge() : null),
        el('dl', { class: 'it-card-description-list' },
          a.draft ? pair('Ultima modifica', itDate(a.updated_at)) : [
            pair('Protocollo n.', a.protocollo || '–'),
            pair('Presentata il', itDate(a.submitted_at)),
            a.due_date ? pair('Da concludere entro il', itDate(a.due_date)) : null,
          ])),
      el('div', { class: 'it-card-footer' }, el('a', { class: `btn btn-sm ${a.draft ? 'btn-primary' : 'btn-outline-primary'}`, href },
        a.draft ? 'Riprendi' : 'Vedi la pratica', el('span', { class: 'visually-hidden' }, `: ${a.title}${a.protocollo ? `, protocollo n. ${a.protocollo}` : ''}`)))));
}

export default async function pratiche() {
  await requireLogin();
  const messaggio = $('#messaggio');
  busy(messaggio, 'Caricamento delle pratiche…');
  const r = await api('/api/istanze');
  if (!r.ok) { notice(messaggio, 'danger', r.data.message); return; }
  messaggio.replaceChildren();
  if (!r.data.applications.length) {
    messaggio.replaceChildren(el('div', { class: 'alert alert-info', role: 'status' },
      'Non hai ancora pratiche. ', el('a', { href: '/istanze.html' }, 'Vai ai Servizi on line'), ' per presentare una domanda.'));
    return;
  }
  $('#pratiche').replaceChildren(...r.data.applications.map(card));
}
