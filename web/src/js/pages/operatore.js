// Certificazione libera (operators): the person by codice fiscale or generalità, type and uso
// chosen from the catalogue, the requester's document; every error on its field at once.
import { $, api, busy, el, fieldError, filename, notice, refusal, requireLogin, save, showErrors, today } from '../lib.js';

/** The form's field for each path the API names in a refusal. */
const FIELDS = {
  person: 'cf', 'generalita.data_nascita': 'nascita', type: 'tipo', uso: 'uso', 'bollo.id': 'bollo-id', 'bollo.date': 'bollo-data',
  motivo: 'motivo', richiedente: 'richiedente', 'documento.tipo': 'doc-tipo', 'documento.numero': 'doc-numero', 'documento.ente': 'doc-ente',
};
const CF = /^[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/;
const REQUIRED = [
  ['motivo', 'Indica il motivo della richiesta.'],
  ['richiedente', 'Indica cognome e nome del richiedente.'],
  ['doc-tipo', 'Scegli il documento del richiedente.'],
  ['doc-numero', 'Indica il numero del documento del richiedente.'],
  ['doc-ente', "Indica l'ente che ha rilasciato il documento."],
];

function fillChoices(cat) {
  const placeholder = (text) => el('option', { value: '' }, text);
  $('#tipo').replaceChildren(placeholder('Scegli il certificato'), ...[...new Map(cat.types.map((t) => [t.archive_title, []])).keys()].map((archive) =>
    el('optgroup', { label: archive }, cat.types.filter((t) => t.archive_title === archive).map((t) => el('option', { value: t.id }, t.title)))));
  $('#uso').replaceChildren(placeholder("Scegli l'uso"), ...[[false, 'Esente dal bollo'], [true, 'In bollo (€ 16,00)']].map(([bollo, label]) =>
    el('optgroup', { label }, cat.usi.filter((u) => u.bollo === bollo).map((u) => el('option', { value: u.id }, u.title)))));
}

function check(v, bollo) {
  const errors = [];
  const generalita = ['cognome', 'nome', 'nascita', 'luogo'];
  if (v('cf')) {
    if (!CF.test(v('cf').toUpperCase())) errors.push(['cf', 'Il codice fiscale è composto da 16 caratteri, ad esempio RSSMRA80A01H501U.']);
  } else if (generalita.every((id) => !v(id))) {
    errors.push(['cf', 'Indica il codice fiscale oppure le generalità complete della persona.']);
  } else {
    const names = { cognome: 'il cognome', nome: 'il nome', nascita: 'la data di nascita', luogo: 'il luogo di nascita' };
    for (const id of generalita) if (!v(id)) errors.push([id, `Indica ${names[id]} (o il codice fiscale).`]);
    if (v('nascita') > today()) errors.push(['nascita', 'La data di nascita non può essere successiva a oggi.']);
  }
  if (!v('tipo')) errors.push(['tipo', 'Scegli il certificato.']);
  if (!v('uso')) errors.push(['uso', "Scegli l'uso del certificato."]);
  if (bollo && !/^\d{14}$/.test(v('bollo-id'))) errors.push(['bollo-id', "L'identificativo della marca è composto da 14 cifre."]);
  if (bollo && !v('bollo-data')) errors.push(['bollo-data', 'Indica la data di emissione della marca.']);
  for (const [id, message] of REQUIRED) if (!v(id)) errors.push([id, message]);
  return errors;
}

export default async function operatore() {
  const m = await requireLogin();
  if (!m.operator) { notice($('#stato'), 'danger', "La certificazione libera è riservata agli operatori dell'Ufficio Anagrafe."); $('#libera').hidden = true; return; }
  const r = await api('/api/operator/catalog');
  if (!r.ok) { notice($('#stato'), 'danger', r.data.message); $('#libera').hidden = true; return; }
  const cat = r.data;
  fillChoices(cat);
  const uso = () => cat.usi.find((u) => u.id === $('#uso').value);
  $('#uso').addEventListener('change', () => {
    const u = uso();
    $('#uso-norma').textContent = u ? (u.bollo ? 'In bollo: indica la marca da € 16,00 applicata dal richiedente.' : u.exemption) : '';
    for (const e of document.querySelectorAll('[data-bollo]')) e.hidden = !u?.bollo;
    fieldError('uso', null);
  });
  const summary = $('#riepilogo-errori');
  const button = $('#rilascia');
  let key = crypto.randomUUID();
  $('#libera').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = (id) => $(`#${id}`).value.trim();
    const bollo = !!uso()?.bollo;
    const errors = check(v, bollo);
    showErrors(summary, errors);
    if (errors.length) return;
    const body = {
      person: v('cf').toUpperCase(), type: v('tipo'), uso: v('uso'), bollo: bollo ? { id: v('bollo-id'), date: v('bollo-data') } : null, delivery: 'download',
      generalita: v('cf') ? undefined : { cognome: v('cognome'), nome: v('nome'), data_nascita: v('nascita'), luogo_nascita: v('luogo') },
      motivo: v('motivo'), richiedente: v('richiedente'), documento: { tipo: v('doc-tipo'), numero: v('doc-numero'), ente: v('doc-ente') },
    };
    busy($('#stato'), 'Rilascio del certificato in corso…');
    button.disabled = true;
    const res = await api('/api/operator/certificates', { method: 'POST', body, csrf: m.csrf_token, raw: true, headers: { 'Idempotency-Key': key } })
      .finally(() => { button.disabled = false; });
    if (!res.ok) { refusal(summary, $('#stato'), res.data, FIELDS); return; }
    key = crypto.randomUUID();
    save(res.blob, filename(res.headers, 'certificato.pdf'));
    notice($('#stato'), 'success', `Certificato ${res.headers.get('x-certificate-id')} rilasciato.`);
  });
}
