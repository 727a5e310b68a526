// La scheda di famiglia at a date; filters apply as they change and stay in the address.
import { $, addr, api, busy, el, itDate, notice, params, requireLogin, today } from '../lib.js';

export default async function famiglia() {
  await requireLogin();
  const dateInput = $('#data-situazione');
  dateInput.max = today();
  dateInput.value = params.get('date') || today();
  $('#mostra-deceduti').checked = params.get('deceased') === 'true';
  $('#stampa').addEventListener('click', () => window.print());
  const load = async () => {
    const date = dateInput.value || today();
    const deceased = $('#mostra-deceduti').checked;
    busy($('#messaggio'), 'Caricamento della scheda di famiglia…');
    const r = await api(`/api/household?date=${encodeURIComponent(date)}&deceased=${deceased}`);
    if (!r.ok) { notice($('#messaggio'), 'danger', r.data.message); $('#membri').replaceChildren(); return; }
    $('#messaggio').replaceChildren();
    const count = `${r.data.members.length} ${r.data.members.length === 1 ? 'componente' : 'componenti'}`;
    $('#intestazione-famiglia').textContent = `Situazione al ${itDate(r.data.date)}: ${count}.`;
    $('#indirizzo-famiglia').textContent = r.data.indirizzo ? `Indirizzo: ${addr(r.data.indirizzo)}` : '';
    const cards = r.data.members.map((m) => {
      const q = `cf=${encodeURIComponent(m.codice_fiscale)}`;
      return el('div', { class: 'col-12 col-md-6 col-xl-4' },
        el('div', { class: `card card-bg shadow-sm scheda-membro${m.deceased ? ' deceduto' : ''}` },
          el('div', { class: 'card-body' },
            el('h2', { class: 'h5 card-title' }, `${m.cognome} ${m.nome}`),
            el('dl', {},
              el('dt', {}, 'Codice fiscale'), el('dd', {}, el('span', { class: 'cf' }, m.codice_fiscale), m.codice_fiscale_validato ? el('span', { class: 'badge bg-success ms-2' }, 'validato') : null),
              el('dt', {}, 'Rapporto'), el('dd', {}, m.rapporto_parentela),
              el('dt', {}, 'Stato civile'), el('dd', {}, m.stato_civile || '–'),
              el('dt', {}, 'Sesso'), el('dd', {}, m.sesso === 'F' ? 'femminile' : 'maschile'),
              el('dt', {}, 'Nato/a a'), el('dd', {}, `${m.luogo_nascita}, il ${itDate(m.data_nascita)}`),
              m.deceased ? [el('dt', {}, 'Deceduto/a il'), el('dd', {}, itDate(m.data_decesso))] : null),
            el('div', { class: 'azioni' },
              el('a', { class: 'btn btn-primary btn-sm', href: `/dettaglio.html?${q}&date=${date}`, 'aria-label': `Dettaglio di ${m.nome} ${m.cognome}` }, 'Dettaglio'),
              el('a', { class: 'btn btn-outline-primary btn-sm', href: `/certificati.html?${q}`, 'aria-label': `Certificazioni per ${m.cognome} ${m.nome}` }, 'Certificazioni'),
              m.deceased ? null : el('a', { class: 'btn btn-outline-primary btn-sm', href: `/autocertificazioni.html?${q}`, 'aria-label': `Autocertificazioni per ${m.cognome} ${m.nome}` }, 'Autocertificazioni')))));
    });
    $('#membri').replaceChildren(...cards);
    $('#stampa-intestazione').replaceChildren(
      el('span', { class: 'd-block' }, `${$('#nome-comune').textContent} – Servizi Demografici`),
      el('span', { class: 'd-block' }, `Scheda di famiglia – situazione al ${itDate(r.data.date)} – stampata il ${itDate(today())}`),
      r.data.indirizzo ? el('span', { class: 'd-block' }, addr(r.data.indirizzo)) : null);
  };
  // The filters apply as they change and stay in the address (reload and share keep them).
  const apply = () => {
    const q = new URLSearchParams({ date: dateInput.value || today() });
    if ($('#mostra-deceduti').checked) q.set('deceased', 'true');
    history.replaceState(null, '', `${location.pathname}?${q}`);
    load();
  };
  dateInput.addEventListener('change', apply);
  $('#mostra-deceduti').addEventListener('change', apply);
  $('#filtri').addEventListener('submit', (ev) => { ev.preventDefault(); apply(); });
  await load();
}
