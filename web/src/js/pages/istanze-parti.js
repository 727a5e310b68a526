// The parts of an application's page that the citizen and the office both read: state and
// dates, the timeline, the documents, the files attached and the messages. `base` is the API
// path of the application the downloads go through (the citizen's or the office's).
import { el, itDate, itDateTime, row } from '../lib.js';
import { euro, lateBadge, size, stateBadge } from './istanze-formato.js';

export const section = (id, title, ...content) => el('section', { class: 'mt-5 parte-pratica', id, 'aria-labelledby': `${id}-titolo` },
  el('h2', { class: 'h4', id: `${id}-titolo` }, title), ...content);

const download = (href, text, hidden) => el('a', { href, download: '' }, text, hidden ? el('span', { class: 'visually-hidden' }, hidden) : null);

const FEE_STATUS = { da_pagare: 'da pagare all\'invio della domanda', in_attesa: 'in attesa del pagamento', pagato: 'pagato' };

/** The fee, its state and, once paid, the receipt; while it waits, where to pay. */
function feeText(view) {
  const f = view.fee;
  const r = f.receipt;
  const paid = r ? ` con pagoPA il ${itDateTime(r.paid_at)} (${r.psp}, ricevuta n. ${r.receipt_id})` : '';
  return el('span', {}, `${euro(f.cents)} — ${f.reason}: ${FEE_STATUS[f.status] || f.status}${paid}.`,
    f.status === 'in_attesa' ? [' ', el('a', { href: `/pagamento.html?pratica=${encodeURIComponent(view.id)}` }, 'Vai al pagamento')] : null);
}

/** State, protocollo, dates and fee; `extra` rows ([dt, dd] pairs) follow. */
export function facts(view, extra = []) {
  return el('dl', { class: 'dati-persona sintesi-pratica' },
    row('Stato', el('span', {}, stateBadge(view.state, view.state_label), view.overdue ? lateBadge() : null)),
    row('Protocollo n.', view.protocollo || '–'),
    view.submitted_at ? row('Presentata il', itDateTime(view.submitted_at)) : null,
    view.due_date ? row('Da concludere entro il', itDate(view.due_date)) : null,
    view.confirmation_date ? row('Accertamenti entro il', `${itDate(view.confirmation_date)} (poi l'iscrizione è definitiva)`) : null,
    view.fee ? row(view.fee.status === 'pagato' ? 'Importo pagato' : 'Importo dovuto', feeText(view)) : null,
    ...extra);
}

/** The history as an ordered list, oldest first: when, the state, who, the reason. */
export function timeline(view, base, who) {
  if (!view.history?.length) return el('p', {}, 'Nessun passaggio registrato.');
  return el('ol', { class: 'cronologia' }, view.history.map((h) => {
    const doc = h.document && (typeof h.document === 'object' ? h.document.id : h.document);
    return el('li', { 'data-state': h.state },
      el('time', { class: 'quando', datetime: h.at }, itDateTime(h.at)),
      el('p', { class: 'mb-0' }, el('strong', { class: 'stato-passaggio' }, h.state_label), ` — ${who[h.by] || h.by}`),
      h.reason ? el('p', { class: 'mb-0 motivo' }, h.reason) : null,
      doc ? download(`${base}/documenti/${encodeURIComponent(doc)}`, 'Scarica il documento (PDF)', ` di «${h.state_label}»`) : null);
  }));
}

export function documents(view, base) {
  if (!view.documents?.length) return el('p', {}, 'Nessun documento.');
  return el('ul', { class: 'elenco-documenti' }, view.documents.map((d) => el('li', {},
    download(`${base}/documenti/${encodeURIComponent(d.id)}`, `${d.title} (PDF)`),
    el('span', { class: 'd-block text-muted' }, `${d.protocollo ? `Protocollo n. ${d.protocollo}, ` : ''}${itDateTime(d.at)}`))));
}

/** The files attached, with size and SHA-256; `label(field)` names the field each answers. */
export function attachments(view, base, label = () => '') {
  if (!view.attachments?.length) return el('p', {}, 'Nessun file allegato.');
  return el('ul', { class: 'elenco-documenti' }, view.attachments.map((a) => el('li', { 'data-field': a.field },
    label(a.field) ? el('span', { class: 'd-block fw-semibold' }, label(a.field)) : null,
    download(`${base}/allegati/${encodeURIComponent(a.id)}`, a.name), ` (${size(a.size)})`,
    el('span', { class: 'd-block impronta' }, 'SHA-256: ', el('code', {}, a.sha256)))));
}

/** The messages between the citizen and the office, oldest first. */
export function messages(view, base, who) {
  if (!view.messages?.length) return el('p', {}, 'Nessun messaggio.');
  return el('ol', { class: 'messaggi' }, view.messages.map((msg) => el('li', { class: `messaggio messaggio-${msg.from}` },
    el('p', { class: 'mb-1 fw-semibold' }, who[msg.from] || msg.from, ' — ', el('time', { datetime: msg.at }, itDateTime(msg.at))),
    el('p', { class: 'testo-messaggio mb-1' }, msg.text),
    msg.attachments?.length ? el('ul', { class: 'mb-0' }, msg.attachments.map((a) => el('li', {}, download(`${base}/allegati/${encodeURIComponent(a.id)}`, a.name)))) : null)));
}
