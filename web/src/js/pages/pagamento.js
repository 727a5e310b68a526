// The payment of a certificate or of an application's fee: where it stands after pagoPA's
// checkout (paid, waiting for the confirmation, cancelled, failed), and what the citizen can
// do next. The page never trusts the return address: it asks the portal, which asks pagoPA.
import { $, api, busy, el, filename, itDate, notice, params, requireLogin, save } from '../lib.js';

const KIND = { released: 'success', awaiting: 'info', preparing: 'warning', cancelled: 'warning', expired: 'warning', anomaly: 'danger' };
const POLLS = 20;

// What is paid for: its API, its words, where to go next.
const CERTIFICATE = {
  api: (id) => `/api/certificates/${id}`,
  heading: 'Pagamento del certificato',
  back: ['/miei-certificati.html', '← I miei certificati'],
  what: (v) => ['Certificato', `${v.title} n. ${v.id}`],
  retry: () => ['/certificati.html', 'Richiedi di nuovo il certificato'],
};
const APPLICATION = {
  api: (id) => `/api/istanze/${id}`,
  heading: 'Pagamento della pratica',
  back: ['/pratiche.html', '← Le mie pratiche'],
  what: (v) => ['Pratica', v.title],
  retry: (id) => [`/istanza.html?id=${id}`, 'Torna alla domanda e inviala di nuovo'],
};

function details(v, kind) {
  const row = (k, val) => [el('dt', {}, k), el('dd', {}, val)];
  const d = $('#dettagli');
  d.replaceChildren(...row(...kind.what(v)), ...row('Avviso di pagamento', v.notice),
    ...v.lines.flatMap((l) => row(l.description, l.amount)), ...row('Totale', v.amount),
    ...(v.state === 'awaiting' ? row('Da pagare entro il', itDate(v.due)) : []));
  d.hidden = false;
}

export default async function pagamento() {
  const m = await requireLogin();
  const kind = params.has('pratica') ? APPLICATION : CERTIFICATE;
  const id = params.get('pratica') || params.get('certificato') || '';
  const esito = params.get('esito');
  const box = $('#esito');
  const base = kind.api(encodeURIComponent(id));
  $('#titolo-pagamento').textContent = kind.heading;
  document.title = `${kind.heading} – Servizi Demografici online`;
  const [backHref, backText] = kind.back;
  $('#indietro').replaceChildren(el('a', { href: backHref }, backText));
  const render = (v, failed) => {
    details(v, kind);
    const text = failed && v.state === 'awaiting'
      ? 'Il pagamento non è andato a buon fine: non ti è stato addebitato nulla. Puoi riprovare, anche con un altro prestatore, o pagare con l\'avviso.'
      : v.message;
    notice(box, failed && v.state === 'awaiting' ? 'danger' : KIND[v.state], text);
    const actions = [];
    if (v.state === 'released' && kind === APPLICATION) {
      actions.push(el('a', { class: 'btn btn-primary', href: `/pratica.html?id=${encodeURIComponent(id)}` }, 'Vai alla pratica e alla ricevuta'));
    }
    if (v.state === 'released' && kind === CERTIFICATE) {
      const download = el('button', { type: 'button', class: 'btn btn-primary' }, 'Scarica il certificato');
      download.addEventListener('click', async () => {
        const r = await api(`${base}/pdf`, { raw: true });
        if (!r.ok) { notice(box, 'danger', r.data.message); return; }
        save(r.blob, filename(r.headers, 'certificato.pdf'));
      });
      actions.push(download, el('a', { class: 'btn btn-outline-primary', href: '/miei-certificati.html' }, 'I miei certificati'));
    }
    if (v.state === 'awaiting' || v.state === 'preparing') {
      const pay = el('button', { type: 'button', class: 'btn btn-primary' }, v.state === 'preparing' ? 'Riprova il pagamento' : 'Paga ora con pagoPA');
      pay.addEventListener('click', async () => {
        pay.disabled = true;
        busy(box, 'Ti portiamo al pagamento pagoPA…');
        const r = await api(`${base}/payment`, { method: 'POST', csrf: m.csrf_token });
        if (r.ok && r.data.checkout_url) { sessionStorage.setItem('checkout', id); window.location.assign(r.data.checkout_url); return; }
        pay.disabled = false;
        if (r.ok) render(r.data); else notice(box, 'danger', r.data.message);
      });
      actions.push(pay);
    }
    if (v.state === 'awaiting') {
      actions.push(el('a', { class: 'btn btn-outline-primary', href: `${base}/payment/avviso`, download: '' }, "Scarica l'avviso di pagamento"));
    }
    if (v.state === 'cancelled' || v.state === 'expired') {
      const [href, text] = kind.retry(encodeURIComponent(id));
      actions.push(el('a', { class: 'btn btn-primary', href }, text));
    }
    $('#azioni').replaceChildren(...actions);
    $('#altri-canali').hidden = v.state !== 'awaiting';
  };
  // "Annulla" at the checkout of this tab cancels the payment; a link only shows it.
  const ours = sessionStorage.getItem('checkout') === id;
  sessionStorage.removeItem('checkout');
  let r = esito === 'annullato' && ours
    ? await api(`${base}/payment/cancel`, { method: 'POST', csrf: m.csrf_token })
    : await api(`${base}/payment`);
  if (!r.ok) { notice(box, 'danger', r.data.message); return; }
  // Back from a payment: pagoPA's confirmation may take a few seconds.
  for (let i = 0; esito === 'ok' && r.ok && r.data.state === 'awaiting' && i < POLLS; i++) {
    busy(box, 'In attesa di conferma del pagamento da pagoPA…');
    await new Promise((done) => setTimeout(done, 1500));
    r = await api(`${base}/payment`);
  }
  if (!r.ok) { notice(box, 'danger', r.data.message); return; }
  render(r.data, esito === 'errore');
}
