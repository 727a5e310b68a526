// Chi ha consultato i miei dati: the access log, newest first, page by page.
import { $, api, busy, el, itDateTime, notice, requireLogin } from '../lib.js';

export default async function accessi() {
  await requireLogin();
  const table = $('#tabella-accessi');
  const more = $('#altri');
  let next = null;
  const load = async (append) => {
    const q = new URLSearchParams();
    if ($('#dal').value) q.set('from', $('#dal').value);
    if ($('#al').value) q.set('to', $('#al').value);
    if ($('#propri').checked) q.set('own', 'true');
    if (append && next) q.set('after', next);
    busy($('#messaggio'), 'Caricamento del registro degli accessi…');
    const r = await api(`/api/accessi?${q}`);
    if (!r.ok) { notice($('#messaggio'), 'danger', r.data.message); return; }
    $('#messaggio').replaceChildren();
    const rows = r.data.entries.map((e) => el('tr', { 'data-role': e.role },
      el('td', { 'data-label': 'Quando' }, el('time', { datetime: e.at }, itDateTime(e.at))), el('td', { 'data-label': 'Chi' }, e.who),
      el('td', { 'data-label': 'Che cosa' }, e.what), el('td', { 'data-label': 'Motivo' }, e.reason || '–')));
    if (append) $('tbody', table).append(...rows); else $('tbody', table).replaceChildren(...rows);
    table.hidden = !$('tbody', table).children.length;
    if (table.hidden && !r.data.next) notice($('#messaggio'), 'info', 'Nessun accesso ai tuoi dati nel periodo indicato.');
    next = r.data.next;
    more.hidden = !next;
  };
  $('#filtro').addEventListener('submit', (ev) => { ev.preventDefault(); load(false); });
  more.addEventListener('click', () => load(true));
  await load(false);
}
