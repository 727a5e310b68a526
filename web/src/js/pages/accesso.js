// L'accesso: SPID (the list of identity providers), CIE, the regional ones.
import { $, api, el, notice } from '../lib.js';

export default async function accesso() {
  const r = await api('/api/auth/idps');
  const idps = r.ok ? r.data.idps : [];
  const spid = idps.filter((i) => i.kind === 'spid' || i.kind === 'demo');
  const list = $('#elenco-spid');
  for (const i of spid) list.append(el('li', {}, el('a', { href: i.login }, i.name)));
  $('#pulsante-spid').addEventListener('click', (ev) => {
    list.hidden = !list.hidden;
    ev.currentTarget.setAttribute('aria-expanded', String(!list.hidden));
  });
  const cie = idps.filter((i) => i.kind === 'cie');
  if (cie.length) {
    $('#blocco-cie').hidden = false;
    // The Ministry's button: "Entra con CIE" with the card's mark; the IdP named when several.
    for (const i of cie) {
      $('#elenco-cie').append(el('a', { class: 'btn btn-spid btn-cie', href: i.login },
        el('span', { class: 'spid-ico cie-ico', 'aria-hidden': 'true' }, 'CIE'),
        cie.length > 1 ? `Entra con CIE (${i.name})` : 'Entra con CIE'));
    }
  }
  const others = idps.filter((i) => i.kind === 'regional');
  if (others.length) {
    $('#blocco-altri').hidden = false;
    for (const i of others) $('#elenco-altri').append(el('a', { class: 'btn btn-outline-primary', href: i.login }, `Entra con ${i.name}`));
  }
  if (r.ok && r.data.cns) {
    $('#blocco-cns').hidden = false;
    $('#pulsante-cns').href = r.data.cns;
  }
  if (!idps.length) notice($('#messaggio-accesso'), 'warning', "L'accesso non è al momento disponibile: nessun gestore dell'identità è configurato.");
}
