// One of the citizen's applications: state, protocollo and dates, what the office asks (with the
// form to answer it), documents, timeline, messages, the files attached and the answers given.
import { $, api, busy, el, notice, params, requireLogin } from '../lib.js';
import { answers } from './istanze-formato.js';
import { attachments, documents, facts, messages, section, timeline } from './istanze-parti.js';
import { answerSection, withdrawSection } from './pratica-risposta.js';

const WHO = { cittadino: 'Tu', ufficio: 'Ufficio', sistema: 'Sistema' };

export default async function pratica() {
  const m = await requireLogin();
  const id = params.get('id') || '';
  const stato = $('#stato');
  busy(stato, 'Caricamento della pratica…');
  const r = await api(`/api/istanze/${encodeURIComponent(id)}`);
  if (!r.ok) { notice(stato, 'danger', r.data.message); return; }
  if (r.data.draft) { location.replace(`/istanza.html?id=${encodeURIComponent(id)}`); return; }
  const s = await api(`/api/istanze/servizi/${encodeURIComponent(r.data.service)}`);
  stato.replaceChildren();
  const steps = s.ok ? s.data.steps : [];
  const labels = new Map([...steps.flatMap((st) => st.fields).map((f) => [f.id, f.label]), ['risposta', "Risposta all'ufficio"]]);

  const render = (view, message) => {
    const base = `/api/istanze/${encodeURIComponent(view.id)}`;
    const actions = view.actions || [];
    $('#titolo-pratica').textContent = view.title;
    document.title = `${view.title} – Servizi Demografici online`;
    $('#pratica').replaceChildren(...[
      facts(view),
      actions.includes('pay') ? section('pagamento', 'Pagamento', el('p', {}, view.fee.payment?.message || ''),
        el('a', { class: 'btn btn-primary', href: `/pagamento.html?pratica=${encodeURIComponent(view.id)}` }, 'Vai al pagamento')) : null,
      actions.includes('answer') ? answerSection(view, { csrf: m.csrf_token, done: render }) : null,
      section('documenti', 'Ricevuta e documenti', documents(view, base)),
      section('cronologia', 'Cronologia della pratica', timeline(view, base, WHO)),
      section('messaggi', "Messaggi con l'ufficio", messages(view, base, WHO)),
      section('allegati', 'File allegati', attachments(view, base, (f) => labels.get(f))),
      section('domanda', 'La tua domanda', ...answers(steps, view)),
      actions.includes('withdraw') ? withdrawSection(view, { csrf: m.csrf_token, done: render }) : null].filter(Boolean));
    if (message) {
      notice($('#avviso'), 'success', message);
      $('#avviso').firstChild.setAttribute('tabindex', '-1');
      $('#avviso').firstChild.focus();
    }
  };
  // The notice the form leaves when it sends the application ("Domanda inviata: protocollo n. …").
  const sent = JSON.parse(sessionStorage.getItem('avviso-pratica') || 'null');
  sessionStorage.removeItem('avviso-pratica');
  render(r.data, sent?.id === r.data.id ? sent.text : undefined);
}
