// Autocertificazioni: pre-filled self-declarations for a member of the household.
import { $, api, busy, deliveryChoice, el, filename, notice, params, refusal, requireLogin, save, showErrors } from '../lib.js';

export default async function autocert() {
  const m = await requireLogin();
  const cf = params.get('cf') || m.codice_fiscale;
  const stato = $('#stato');
  const r = await api(`/api/autocert/options?person=${encodeURIComponent(cf)}`);
  if (!r.ok) { notice(stato, 'danger', r.data.message); $('#dichiarazione').hidden = true; return; }
  $('#avviso-dichiarazioni').textContent = r.data.notice;
  const who = r.data.person_name;
  $('h1').textContent = `Autocertificazioni per ${who}`;
  document.title = `Autocertificazioni per ${who} – Servizi Demografici online`;
  $('#per-chi').textContent = `Dichiarazioni sostitutive precompilate con i dati anagrafici di ${who}.`;
  const prepara = $('#prepara');
  prepara.textContent = `Prepara la dichiarazione per ${who}`;
  $('#tipi').replaceChildren(...r.data.kinds.map((k, i) => el('div', { class: 'form-check' },
    el('input', { class: 'form-check-input', type: 'radio', name: 'tipo', id: `tipo-${k.id}`, value: k.id, checked: i === 0 }),
    el('label', { class: 'form-check-label', for: `tipo-${k.id}` }, `${k.title} (${k.article})`))));
  $('#fatti').replaceChildren(...r.data.facts.map((f) => el('div', { class: 'form-check' },
    el('input', { class: 'form-check-input', type: 'checkbox', id: `fatto-${f.id}`, value: f.id, checked: f.id === 'nascita' || f.id === 'residenza' }),
    el('label', { class: 'form-check-label', for: `fatto-${f.id}` }, `${f.title}: ${f.text}`))));
  const kind = () => document.querySelector('input[name="tipo"]:checked').value;
  const update = () => {
    $('#blocco-fatti').hidden = kind() !== 'cumulativa';
    $('#blocco-testo').hidden = !kind().startsWith('notorio');
  };
  for (const radio of document.querySelectorAll('input[name="tipo"]')) radio.addEventListener('change', update);
  deliveryChoice(m);
  update();
  $('#dichiarazione').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const email = $('#consegna-email').checked;
    const body = {
      person: cf, kind: kind(),
      facts: [...document.querySelectorAll('#fatti input:checked')].map((i) => i.value),
      testo: $('#testo').value || undefined,
      delivery: email ? 'email' : 'download',
      email: email ? $('#email').value : undefined, cc: email ? $('#email-cc').value : undefined,
      message: email ? $('#messaggio-email').value : undefined,
    };
    busy(stato, 'Stiamo preparando la dichiarazione…');
    prepara.disabled = true;
    const res = await api('/api/autocert', { method: 'POST', body, csrf: m.csrf_token, raw: true }).finally(() => { prepara.disabled = false; });
    // A refusal about a field goes next to it (with the summary on top), the others below.
    showErrors($('#riepilogo-errori'), []);
    if (!res.ok) { refusal($('#riepilogo-errori'), stato, res.data, { email: 'email', message: 'messaggio-email' }); return; }
    if (res.blob) { save(res.blob, filename(res.headers, 'dichiarazione.pdf')); notice(stato, 'success', 'Dichiarazione scaricata: stampala, controllala e firmala.'); } else notice(stato, 'success', res.data.message);
  });
}
