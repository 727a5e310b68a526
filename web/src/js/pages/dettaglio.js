// A member's detail at a date, with the history in collapsible sections.
import { $, addr, api, busy, el, itDate, notice, params, requireLogin, row, today } from '../lib.js';

function section(id, title, rows) {
  const body = rows.length ? el('dl', { class: 'dati-persona' }, rows.flat()) : el('p', {}, 'Nessun dato.');
  return el('div', { class: 'accordion-item' },
    el('h2', { class: 'accordion-header', id: `t-${id}` },
      el('button', { class: 'accordion-button collapsed', type: 'button', 'data-bs-toggle': 'collapse', 'data-bs-target': `#c-${id}`, 'aria-expanded': 'false', 'aria-controls': `c-${id}` }, title)),
    el('div', { id: `c-${id}`, class: 'accordion-collapse collapse', role: 'region', 'aria-labelledby': `t-${id}` },
      el('div', { class: 'accordion-body' }, body)));
}

const period = (f) => `dal ${itDate(f.from)}${f.to ? ` al ${itDate(f.to)}` : ''}`;
const place = (l) => (l.tipo === 'comune' ? `${l.nome} (${l.provincia})` : l.stato);

function toggleAll(open) {
  for (const b of document.querySelectorAll('#sezioni .accordion-button')) {
    const panel = document.getElementById(b.getAttribute('aria-controls'));
    panel.classList.toggle('show', open);
    b.classList.toggle('collapsed', !open);
    b.setAttribute('aria-expanded', String(open));
  }
}

export default async function dettaglio() {
  await requireLogin();
  const cf = params.get('cf') || '';
  const dateInput = $('#data-situazione');
  dateInput.max = today();
  dateInput.value = params.get('date') || today();
  $('#espandi').addEventListener('click', () => toggleAll(true));
  $('#riduci').addEventListener('click', () => toggleAll(false));
  const load = async () => {
    busy($('#messaggio'), 'Caricamento dei dati…');
    const r = await api(`/api/household/persons/${encodeURIComponent(cf)}?date=${encodeURIComponent(dateInput.value || today())}`);
    if (!r.ok) { notice($('#messaggio'), 'danger', r.data.message); return; }
    $('#messaggio').replaceChildren();
    const d = r.data;
    $('#nome-persona').textContent = `${d.cognome} ${d.nome}`;
    document.title = `${d.cognome} ${d.nome} – Dettaglio – Servizi Demografici online`;
    $('#dati').replaceChildren(...[
      row('Situazione al', itDate(d.date)),
      row('Codice fiscale', `${d.codice_fiscale}${d.codice_fiscale_validato ? ' (validato)' : ''}`),
      row('Sesso', d.sesso === 'F' ? 'femminile' : 'maschile'),
      row('Nascita', `${place(d.luogo_nascita)}, ${itDate(d.data_nascita)}`),
      row('Paternità', d.paternita), row('Maternità', d.maternita),
      row('Cittadinanza', d.cittadinanza),
      row('Stato civile', d.stato_civile ? `${d.stato_civile.stato}${d.stato_civile.coniuge ? ` con ${d.stato_civile.coniuge.cognome} ${d.stato_civile.coniuge.nome}` : ''} (dal ${itDate(d.stato_civile.dal)})` : null),
      row('Posizione anagrafica', d.posizione_anagrafica),
      d.deceased ? row('Data del decesso', itDate(d.data_decesso)) : [],
      row('Rapporto di parentela', d.rapporto_parentela),
      row('Residenza', d.residenza ? addr(d.residenza) : null),
      row('Titolo di studio', d.titolo_studio), row('Professione', d.professione),
      row('Posizione elettorale', d.posizione_elettorale),
    ].flat());
    $('#sezioni').replaceChildren(
      section('residenze', 'Storico residenze e trasferimenti', d.storico_residenze.map((r) => row(period(r), addr(r)))),
      section('stato-civile', 'Storico dello stato civile', d.storico_stato_civile.map((s) => row(`dal ${itDate(s.dal)}`, `${s.stato}${s.coniuge ? ` – ${s.coniuge.cognome} ${s.coniuge.nome}` : ''}`))),
      section('documenti', "Carta d'identità e permesso di soggiorno", d.documenti.map((doc) => row(
        doc.tipo === 'carta_identita' ? `Carta d'identità ${doc.formato} n. ${doc.numero}` : `Permesso di soggiorno n. ${doc.numero}`,
        `rilasciata il ${itDate(doc.rilascio)}${doc.scadenza ? `, scadenza ${itDate(doc.scadenza)}` : ''}${doc.ente ? `, ${doc.ente}` : ''}${doc.questura ? `, ${doc.questura}` : ''}${doc.valida_espatrio === false ? ', non valida per l\'espatrio' : ''} – ${doc.valido ? 'in corso di validità' : 'scaduta'}`))),
      section('patente', 'Patente, veicoli, pensioni', [
        ...d.patente.map((p) => row(`Patente ${p.categorie} n. ${p.numero}`, period(p))),
        ...d.veicoli.map((v) => row(`Veicolo ${v.targa}`, v.descrizione)),
        ...d.pensioni.map((p) => row(`Pensione ${p.ente} n. ${p.numero}`, `${p.categoria}, ${period(p)}`)),
      ]),
    );
  };
  $('#filtri').addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
  // The accordion buttons toggle their panels (Bootstrap Italia's collapse, or this fallback).
  $('#sezioni').addEventListener('click', (ev) => {
    const b = ev.target.closest('.accordion-button');
    if (!b || window.bootstrap) return;
    const panel = document.getElementById(b.getAttribute('aria-controls'));
    const open = !panel.classList.contains('show');
    panel.classList.toggle('show', open);
    b.classList.toggle('collapsed', !open);
    b.setAttribute('aria-expanded', String(open));
  });
  await load();
}
