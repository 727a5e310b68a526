// I miei certificati: the valid certificates issued to the citizen, as cards on a phone.
import { $, api, el, itDate, notice, requireLogin } from '../lib.js';

export default async function miei() {
  await requireLogin();
  const r = await api('/api/certificates/mine');
  if (!r.ok) { notice($('#messaggio'), 'danger', r.data.message); return; }
  if (!r.data.certificates.length) { notice($('#messaggio'), 'info', 'Non hai certificati validi.'); return; }
  const table = $('#tabella-certificati');
  table.hidden = false;
  const cell = (label, ...content) => el('td', { 'data-label': label }, ...content);
  $('tbody', table).replaceChildren(...r.data.certificates.map((c) => el('tr', {},
    cell('Per', c.person_name || c.person), cell('Certificato', c.title), cell('Uso', c.uso_title || '–'),
    cell('Bollo', c.bollo ? 'In bollo' : 'Esente'), cell('ID', c.id),
    cell('Rilasciato il', c.payment && c.payment !== 'released' ? 'Non ancora rilasciato' : itDate(c.issued_at)),
    cell('Valido fino al', c.payment && c.payment !== 'released' ? '–' : itDate(c.expires_at)),
    cell('Scarica', c.payment && c.payment !== 'released'
      ? el('span', {}, c.payment_message, ' ', el('a', { href: `/pagamento.html?certificato=${encodeURIComponent(c.id)}` }, 'Vedi il pagamento', el('span', { class: 'visually-hidden' }, ` del certificato ${c.id}`)))
      : el('a', { href: `/api/certificates/${encodeURIComponent(c.id)}/pdf`, download: '' }, 'PDF', el('span', { class: 'visually-hidden' }, ` del certificato ${c.id}`))))));
}
