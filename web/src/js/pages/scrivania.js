// Scrivania istanze (operators): the queue of the applications sent, overdue first, filtered by
// service, state and due date; the filters stay in the address.
import { $, api, busy, el, itDate, notice, params, requireLogin } from '../lib.js';
import { lateBadge, operatorName, stateBadge } from './istanze-formato.js';

/** The states an application sent may be in (drafts never reach the office). */
const STATES = [
  ['inviata', 'Inviata'], ['protocollata', 'Protocollata'], ['presa_in_carico', 'Presa in carico'],
  ['integrazione_richiesta', 'Integrazione richiesta'], ['integrazione_inviata', 'Integrazione inviata'],
  ['in_lavorazione', 'In lavorazione'], ['preavviso_rigetto', 'Preavviso di rigetto'], ['accolta', 'Accolta'],
  ['accolta_con_riserva', 'Accolta con riserva'], ['accolta_definitivamente', 'Accolta definitivamente'],
  ['respinta', 'Respinta'], ['ritirata', 'Ritirata'], ['annullata', 'Annullata'],
];

export default async function scrivania() {
  const m = await requireLogin();
  if (!m.operator) { notice($('#messaggio'), 'danger', "La scrivania delle istanze è riservata agli operatori dell'ufficio."); $('#filtri').hidden = true; return; }
  const service = $('#filtro-servizio');
  const state = $('#filtro-stato');
  const due = $('#filtro-scadenza');
  const cat = await api('/api/istanze/servizi');
  if (cat.ok) service.append(...cat.data.services.map((s) => el('option', { value: s.id }, s.title)));
  state.append(...STATES.map(([id, label]) => el('option', { value: id }, label)));
  service.value = params.get('service') || '';
  state.value = params.get('state') || '';
  due.value = params.get('due_before') || '';
  const table = $('#coda');
  const load = async () => {
    const q = new URLSearchParams();
    if (service.value) q.set('service', service.value);
    if (state.value) q.set('state', state.value);
    if (due.value) q.set('due_before', due.value);
    history.replaceState(null, '', `${location.pathname}${q.toString() ? `?${q}` : ''}`);
    busy($('#messaggio'), 'Caricamento delle domande…');
    const r = await api(`/api/operatore/istanze?${q}`);
    if (!r.ok) { notice($('#messaggio'), 'danger', r.data.message); table.hidden = true; return; }
    $('#messaggio').replaceChildren();
    const cell = (label, ...content) => el('td', { 'data-label': label }, ...content);
    $('tbody', table).replaceChildren(...r.data.applications.map((a) => el('tr', { 'data-id': a.id, class: a.overdue ? 'in-ritardo' : undefined },
      cell('Protocollo', el('a', { href: `/scrivania-pratica.html?id=${encodeURIComponent(a.id)}` }, a.protocollo || 'Senza protocollo',
        el('span', { class: 'visually-hidden' }, `: ${a.title}, ${a.applicant?.name || ''}`))),
      cell('Servizio', a.title), cell('Richiedente', a.applicant ? `${a.applicant.name} (${a.applicant.codice_fiscale})` : '–'),
      cell('Stato', stateBadge(a.state, a.state_label)), cell('Presentata il', itDate(a.submitted_at)),
      cell('Scadenza', itDate(a.due_date), a.overdue ? lateBadge() : null), cell('In carico a', operatorName(a.assignee) || 'Nessuno'))));
    table.hidden = !r.data.applications.length;
    if (table.hidden) notice($('#messaggio'), 'info', 'Nessuna domanda corrisponde ai filtri.');
  };
  $('#filtri').addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
  await load();
}
