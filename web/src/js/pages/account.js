// Mio account: identity, how the citizen logged in, contacts, the data download.
import { $, api, fieldError, notice, requireLogin, row } from '../lib.js';

/** "SPID livello 2", "CIE livello 3", "CNS": how the citizen logged in, in plain words. */
function loginMethod(m) {
  const idp = (m.idp || '').toLowerCase();
  const kind = idp === 'cie' ? 'CIE' : idp === 'cns' ? 'CNS' : 'SPID';
  return kind === 'CNS' ? 'Carta Nazionale dei Servizi (CNS)' : `${kind} livello ${m.level}`;
}

export default async function account() {
  const m = await requireLogin();
  $('#identita').replaceChildren(...[
    row('Nome e cognome', `${m.nome} ${m.cognome}`), row('Codice fiscale', m.codice_fiscale),
    row('Accesso con', loginMethod(m)),
  ].flat());
  $('#email').value = m.email || '';
  $('#pec').value = m.pec || '';
  $('#avviso-operatori').checked = !!m.notify_operator_access;
  $('#profilo').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    for (const id of ['email', 'pec']) fieldError(id, null);
    const r = await api('/api/me', { method: 'PUT', body: { email: $('#email').value, pec: $('#pec').value, notify_operator_access: $('#avviso-operatori').checked }, csrf: m.csrf_token });
    const field = { invalid_email: 'email', invalid_pec: 'pec' }[r.data?.error];
    if (!r.ok && field) {
      fieldError(field, r.data.message);
      $(`#${field}`).focus();
      notice($('#stato'), 'danger', 'Correggi il campo segnalato e salva di nuovo.');
      return;
    }
    notice($('#stato'), r.ok ? 'success' : 'danger', r.ok ? 'Recapiti salvati.' : r.data.message);
  });
}
