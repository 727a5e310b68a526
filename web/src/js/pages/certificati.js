// Certificazioni for a member of the household: type, uso, marca da bollo, delivery; every
// error on its field with a summary on top; the same request never issues twice.
import { $, api, busy, deliveryChoice, el, fieldError, filename, notice, params, refusal, requireLogin, save, showErrors, today } from '../lib.js';
import { usoPicker } from './uso.js';

/** The form's field for each path the API names in a refusal. */
const FIELDS = { type: 'tipo', uso: 'scelta-uso', facts: 'fatti-contestuale', 'bollo.id': 'bollo-id', 'bollo.date': 'bollo-data', email: 'email' };

function typeChoice(cat, onChange) {
  const archives = [...new Map(cat.types.map((t) => [t.archive, t.archive_title])).entries()];
  const archivio = $('#archivio');
  archivio.replaceChildren(...archives.map(([id, title]) => el('option', { value: id }, title)));
  const tipo = $('#tipo');
  const updateType = () => { $('#fatti-contestuale').hidden = tipo.value !== 'contestuale'; onChange(); };
  const fillTypes = () => {
    tipo.replaceChildren(...cat.types.filter((t) => t.archive === archivio.value).map((t) => el('option', { value: t.id }, t.title)));
    updateType();
  };
  $('#fatti').replaceChildren(...cat.contestuale_facts.map((f) => el('div', { class: 'form-check' },
    el('input', { class: 'form-check-input', type: 'checkbox', id: `fatto-${f.id}`, value: f.id }),
    el('label', { class: 'form-check-label', for: `fatto-${f.id}` }, f.title))));
  archivio.addEventListener('change', fillTypes);
  tipo.addEventListener('change', updateType);
  fillTypes();
  return { type: () => tipo.value };
}

const BOLLO_ID = "L'identificativo della marca è composto da 14 cifre.";

/** What the form asks, checked in the browser: [[field, message], …] for what is wrong. */
function check(body, needsMarca) {
  const errors = [];
  if (!body.uso) errors.push(['scelta-uso', "Scegli l'uso del certificato dall'elenco."]);
  if (body.type === 'contestuale' && !body.facts.length) errors.push(['fatti-contestuale', 'Scegli almeno un dato da certificare nel contestuale.']);
  if (needsMarca) {
    if (!/^\d{14}$/.test(body.bollo.id)) errors.push(['bollo-id', BOLLO_ID]);
    if (!body.bollo.date) errors.push(['bollo-data', 'Indica la data di emissione stampata sulla marca.']);
    else if (body.bollo.date > today()) errors.push(['bollo-data', 'La data di emissione della marca non può essere successiva a oggi.']);
  }
  if (body.delivery === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(body.email || '')) errors.push(['email', "Indica un indirizzo e-mail valido, ad esempio nome.cognome@esempio.it."]);
  return errors;
}

/** A certificate to pay: off to pagoPA's checkout, or to its payment page. */
function toPayment(view) {
  const page = `/pagamento.html?certificato=${encodeURIComponent(view.id)}`;
  if (view.checkout_url) {
    busy($('#stato'), `Certificato ${view.id} preparato: ti portiamo al pagamento pagoPA di ${view.amount}…`);
    // The return page cancels only a checkout started from this tab (never from a link).
    sessionStorage.setItem('checkout', view.id);
    window.location.assign(view.checkout_url);
    return;
  }
  $('#stato').replaceChildren(el('div', { class: 'alert alert-warning', role: 'status' }, view.message, ' ',
    el('a', { href: page }, 'Vai al pagamento')));
}

export default async function certificati() {
  const m = await requireLogin();
  const cf = params.get('cf') || m.codice_fiscale;
  $('#link-autocert').href = `/autocertificazioni.html?cf=${encodeURIComponent(cf)}`;
  const stato = $('#stato');
  const summary = $('#riepilogo-errori');
  const r = await api(`/api/certificates/catalog?person=${encodeURIComponent(cf)}`);
  if (!r.ok) { notice(stato, 'danger', r.data.message); $('#richiesta').hidden = true; return; }
  const cat = r.data;
  const who = cat.person_name;
  $('h1').textContent = `Certificati per ${who}`;
  document.title = `Certificati per ${who} – Servizi Demografici online`;
  $('#per-chi').textContent = `Richiedi un certificato anagrafico o di stato civile che riguarda ${who}.`;
  const richiedi = $('#richiedi');
  const idle = `Richiedi il certificato per ${who}`;
  richiedi.textContent = idle;
  let uso = () => undefined;
  const exemptArchive = () => cat.exempt_archives.find((a) => a.id === $('#archivio').value);
  const needsBollo = () => { const u = uso(); return !!u && u.bollo && !exemptArchive(); };
  const online = () => $('#bollo-online').checked;
  const update = () => {
    const ex = exemptArchive();
    $('#esito-uso').replaceChildren(...(ex && uso() ? [el('p', { class: 'mb-0' }, ex.exemption)] : []));
    $('#campi-bollo').hidden = !needsBollo();
    $('#campi-marca').hidden = online();
    $('#anteprima').hidden = needsBollo();
  };
  const choice = typeChoice(cat, update);
  uso = usoPicker(cat.usi, () => { update(); if (uso()) showErrors(summary, []); });
  $('#bollo-data').max = today();
  for (const r of document.querySelectorAll('input[name="modo-bollo"]')) r.addEventListener('change', update);
  $('#bollo-id').addEventListener('change', (ev) => fieldError('bollo-id', ev.target.value.trim() && !/^\d{14}$/.test(ev.target.value.trim()) ? BOLLO_ID : null));
  deliveryChoice(m);

  const request = () => {
    const email = $('#consegna-email').checked;
    const body = {
      person: cf, type: choice.type(), uso: uso()?.id,
      bollo: !needsBollo() ? null : online() ? { online: true } : { id: $('#bollo-id').value.trim(), date: $('#bollo-data').value },
      facts: [...document.querySelectorAll('#fatti input:checked')].map((i) => i.value),
      delivery: email ? 'email' : 'download',
      email: email ? $('#email').value.trim() : undefined,
      cc: email ? $('#email-cc').value : undefined,
    };
    const errors = check(body, needsBollo() && !online());
    showErrors(summary, errors);
    return errors.length ? null : body;
  };
  const refused = (data) => refusal(summary, stato, data, FIELDS);
  let key = crypto.randomUUID();
  $('#anteprima').addEventListener('click', async () => {
    const body = request();
    if (!body) return;
    busy(stato, "Stiamo preparando l'anteprima…");
    const res = await api('/api/certificates/preview', { method: 'POST', body, csrf: m.csrf_token, raw: true });
    if (!res.ok) { refused(res.data); return; }
    save(res.blob, 'anteprima.pdf');
    notice(stato, 'info', 'Anteprima scaricata: non ha valore legale e non è verificabile.');
  });
  $('#richiesta').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = request();
    if (!body) return;
    busy(stato, 'Stiamo preparando e firmando il certificato: attendi qualche secondo…');
    richiedi.disabled = true;
    richiedi.textContent = 'Richiesta in corso…';
    const res = await api('/api/certificates', { method: 'POST', body, csrf: m.csrf_token, raw: true, headers: { 'Idempotency-Key': key } })
      .finally(() => { richiedi.disabled = false; richiedi.textContent = idle; });
    if (res.status === 0) { notice(stato, 'danger', 'Connessione non riuscita: riprova, la richiesta non verrà duplicata.'); return; }
    if (!res.ok) { refused(res.data); return; }
    key = crypto.randomUUID();
    if (res.status === 202) { toPayment(res.data); return; }
    if (!res.blob) { notice(stato, 'success', res.data.message); return; }
    save(res.blob, filename(res.headers, 'certificato.pdf'));
    const id = res.headers.get('x-certificate-id');
    notice(stato, 'success', res.headers.get('x-certificate-reissued') === 'true'
      ? `Il certificato ${id} era già stato rilasciato con questa richiesta (e la stessa marca da bollo): te lo abbiamo dato di nuovo, senza rilasciarne un altro né usare un'altra marca.`
      : `Certificato ${id} rilasciato e scaricato. Lo trovi anche in «I miei certificati».`);
  });
}
