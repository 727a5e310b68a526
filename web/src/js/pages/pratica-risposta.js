// What a citizen may do on a sent application: answer the office's integration request (or send
// observations to a preavviso di rigetto) with text and files, and withdraw it after confirming.
import { api, busy, el, itDate, notice, refusal, showErrors } from '../lib.js';
import { attachmentControl } from './istanze-allegati.js';
import { section } from './istanze-parti.js';

const textarea = (id, label, help) => [
  el('label', { class: 'form-label', for: id }, label),
  el('textarea', { class: 'form-control', id, rows: '5', maxlength: '4000', 'aria-describedby': help ? `${id}-aiuto` : undefined }),
  help ? el('small', { class: 'form-text', id: `${id}-aiuto` }, help) : null,
  el('div', { class: 'invalid-feedback', id: `${id}-errore` }),
];

export function answerSection(view, { csrf, done }) {
  const pre = view.state === 'preavviso_rigetto';
  const request = [...(view.history || [])].reverse().find((h) => h.state === view.state)?.reason;
  const summary = el('div', { id: 'risposta-errori', hidden: true });
  const status = el('div', { class: 'mt-2', 'aria-live': 'polite' });
  let files = [];
  const button = el('button', { type: 'submit', class: 'btn btn-primary' }, pre ? 'Invia le osservazioni' : 'Invia la risposta');
  const form = el('form', { id: 'form-risposta', novalidate: true }, summary,
    el('div', { class: 'mb-4' }, ...textarea('risposta-testo', pre ? 'Le tue osservazioni' : 'La tua risposta',
      pre ? 'Spiega perché la domanda dovrebbe essere accolta; puoi allegare documenti (art. 10-bis L. 241/1990).' : "Rispondi alla richiesta dell'ufficio; se ti chiede documenti, allegali qui sotto.")),
    attachmentControl({
      domId: 'risposta-file', field: 'risposta', label: 'Documenti da allegare (facoltativi)', formats: ['pdf', 'jpeg', 'png'],
      help: 'PDF, JPEG o PNG, di al massimo 4 MB ciascuno: uno alla volta, puoi allegarne più di uno.',
      appId: view.id, csrf, multiple: true, onChange: (list) => { files = list; },
    }),
    el('div', { class: 'azioni mt-3' }, button), status);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const text = document.getElementById('risposta-testo').value.trim();
    showErrors(summary, text ? [] : [['risposta-testo', pre ? 'Scrivi le tue osservazioni.' : "Scrivi la risposta all'ufficio."]]);
    if (!text) return;
    button.disabled = true;
    busy(status, 'Invio in corso…');
    const r = await api(`/api/istanze/${encodeURIComponent(view.id)}/risposta`, { method: 'POST', body: { text, attachments: files.map((f) => f.id) }, csrf })
      .finally(() => { button.disabled = false; });
    if (!r.ok) { status.replaceChildren(); refusal(summary, status, r.data, { text: 'risposta-testo' }); return; }
    done(r.data, pre ? "Osservazioni inviate all'ufficio." : "Risposta inviata all'ufficio.");
  });
  return section('risposta', pre ? 'Presenta le tue osservazioni' : "Rispondi alla richiesta dell'ufficio",
    el('div', { class: 'alert alert-warning' },
      el('p', {}, pre ? "L'ufficio ti ha comunicato i motivi per cui la domanda potrebbe essere respinta (preavviso di rigetto, art. 10-bis L. 241/1990): puoi presentare osservazioni e documenti."
        : "L'ufficio ti chiede di integrare la domanda: il termine per concluderla è sospeso finché non rispondi."),
      request ? el('p', { class: view.reply_until ? '' : 'mb-0' }, el('strong', {}, "Che cosa chiede l'ufficio: "), request) : null,
      view.reply_until ? el('p', { class: 'mb-0' }, el('strong', {}, `Rispondi entro il ${itDate(view.reply_until)}.`)) : null),
    form);
}

export function withdrawSection(view, { csrf, done }) {
  const open = el('button', { type: 'button', class: 'btn btn-outline-danger', 'aria-expanded': 'false', 'aria-controls': 'conferma-ritiro' }, 'Ritira la domanda');
  const confirm = el('button', { type: 'button', class: 'btn btn-danger' }, 'Conferma il ritiro');
  const keep = el('button', { type: 'button', class: 'btn btn-outline-primary' }, 'Non ritirare');
  const status = el('div', { class: 'mt-2', 'aria-live': 'polite' });
  const question = el('p', { class: 'fw-semibold', tabindex: '-1' }, 'Vuoi davvero ritirare la domanda? Il ritiro è definitivo: se cambi idea dovrai presentarne una nuova.');
  const panel = el('div', { id: 'conferma-ritiro', class: 'conferma-ritiro mt-3', hidden: true }, question,
    el('div', { class: 'mb-3' }, ...textarea('motivo-ritiro', 'Motivo del ritiro (facoltativo)')), el('div', { class: 'azioni' }, confirm, keep), status);
  const toggle = (show) => { panel.hidden = !show; open.setAttribute('aria-expanded', String(show)); (show ? question : open).focus(); };
  open.addEventListener('click', () => toggle(panel.hidden));
  keep.addEventListener('click', () => toggle(false));
  confirm.addEventListener('click', async () => {
    confirm.disabled = true;
    busy(status, 'Ritiro della domanda in corso…');
    const reason = document.getElementById('motivo-ritiro').value.trim();
    const r = await api(`/api/istanze/${encodeURIComponent(view.id)}/ritira`, { method: 'POST', body: { reason: reason || undefined }, csrf })
      .finally(() => { confirm.disabled = false; });
    if (!r.ok) { notice(status, 'danger', r.data.message); return; }
    done(r.data, 'Hai ritirato la domanda.');
  });
  return section('ritiro', 'Ritira la domanda',
    el('p', {}, "Se non vuoi più che il Comune esamini la domanda, puoi ritirarla finché la pratica non è conclusa."), open, panel);
}
