// Servizi on line: the catalogue of the applications a citizen may send, each with who may
// apply, what is needed, the office, the legal term and the fee; start one, or resume its draft.
import { $, api, busy, el, itDate, notice, requireLogin } from '../lib.js';
import { euro, term } from './istanze-formato.js';

const pair = (label, ...value) => el('div', {}, el('dt', {}, `${label}:`), ' ', el('dd', {}, ...value));

function card(service, draft, start) {
  const status = el('div', { class: 'mt-2', id: `stato-${service.id}` });
  const hidden = (text) => el('span', { class: 'visually-hidden' }, `: ${text}`);
  const create = el('button', { type: 'button', class: `btn ${draft ? 'btn-outline-primary' : 'btn-primary'}` },
    draft ? 'Compila una nuova domanda' : 'Compila la domanda', hidden(service.title));
  create.addEventListener('click', () => start(service, create, status));
  return el('div', { class: 'col-12 col-lg-6' },
    el('article', { class: 'it-card it-card-height-full rounded shadow-sm border scheda-servizio', 'data-service': service.id },
      el('h2', { class: 'it-card-title h4' }, service.title),
      el('div', { class: 'it-card-body' },
        el('p', { class: 'it-card-text' }, service.summary),
        el('dl', { class: 'it-card-description-list' },
          pair('Chi può presentarla', service.who),
          pair('Che cosa serve', el('ul', { class: 'mb-0' }, service.needs.map((n) => el('li', {}, n)))),
          pair('Ufficio', service.office),
          pair('Termine', `${term(service.due)} — ${service.due.law}`),
          service.confirmation ? pair('Accertamenti', `${term(service.confirmation)} — ${service.confirmation.law}`) : null,
          service.fee ? pair('Costo', `${euro(service.fee.cents)} — ${service.fee.reason}`) : null)),
      el('div', { class: 'it-card-footer' },
        draft ? el('p', { class: 'mb-2' }, `Hai una bozza di questa domanda, salvata il ${itDate(draft.updated_at)} e non ancora inviata.`) : null,
        el('div', { class: 'azioni' },
          draft ? el('a', { class: 'btn btn-primary', href: `/istanza.html?id=${encodeURIComponent(draft.id)}` }, 'Riprendi la bozza', hidden(service.title)) : null,
          create),
        status)));
}

export default async function istanze() {
  const m = await requireLogin();
  const messaggio = $('#messaggio');
  busy(messaggio, 'Caricamento dei servizi…');
  const [cat, mine] = await Promise.all([api('/api/istanze/servizi'), api('/api/istanze')]);
  if (!cat.ok) { notice(messaggio, 'danger', cat.data.message); return; }
  messaggio.replaceChildren();
  // The newest draft of each service (the list is newest first).
  const drafts = new Map();
  for (const a of mine.ok ? mine.data.applications : []) if (a.draft && !drafts.has(a.service)) drafts.set(a.service, a);
  const start = async (service, button, status) => {
    button.disabled = true;
    busy(status, 'Stiamo preparando la domanda con i tuoi dati…');
    const r = await api('/api/istanze', { method: 'POST', body: { service: service.id }, csrf: m.csrf_token });
    if (!r.ok) { button.disabled = false; notice(status, 'danger', r.data.message); button.focus(); return; }
    location.assign(`/istanza.html?id=${encodeURIComponent(r.data.id)}`);
  };
  $('#servizi').replaceChildren(...cat.data.services.map((s) => card(s, drafts.get(s.id), start)));
}
