// An application as the office sees it: applicant, the answers by label, the files, documents,
// timeline, messages, the actions allowed now and the internal notes.
import { $, api, busy, notice, params, requireLogin, row } from '../lib.js';
import { answers, operatorName } from './istanze-formato.js';
import { attachments, documents, facts, messages, section, timeline } from './istanze-parti.js';
import { notesSection, workSection } from './scrivania-azioni.js';

const WHO = { cittadino: 'Cittadino', ufficio: 'Ufficio', sistema: 'Sistema' };

export default async function scrivaniaPratica() {
  const m = await requireLogin();
  const stato = $('#stato');
  if (!m.operator) { notice(stato, 'danger', "La scrivania delle istanze è riservata agli operatori dell'ufficio."); return; }
  const id = params.get('id') || '';
  const base = `/api/operatore/istanze/${encodeURIComponent(id)}`;
  busy(stato, 'Caricamento della pratica…');
  const r = await api(base);
  if (!r.ok) { notice(stato, 'danger', r.data.message); return; }
  const s = await api(`/api/istanze/servizi/${encodeURIComponent(r.data.service)}`);
  stato.replaceChildren();
  const steps = s.ok ? s.data.steps : [];
  const labels = new Map([...steps.flatMap((st) => st.fields).map((f) => [f.id, f.label]), ['risposta', 'Risposta del cittadino']]);

  const who = (p) => operatorName(p, m.codice_fiscale);
  const render = (view, message) => {
    const ctx = { csrf: m.csrf_token, done: render, who };
    $('#titolo-pratica').textContent = view.title;
    document.title = `${view.title} – Scrivania istanze – Servizi Demografici online`;
    $('#pratica').replaceChildren(...[
      facts(view, [
        row('Richiedente', view.applicant ? `${view.applicant.name} (${view.applicant.codice_fiscale})` : '–'),
        row('In carico a', who(view.assignee) || 'Nessuno: la pratica non è ancora stata presa in carico'),
      ]),
      workSection(view, ctx),
      section('domanda', 'Dati della domanda', ...answers(steps, view)),
      section('allegati', 'File allegati', attachments(view, base, (f) => labels.get(f))),
      section('documenti', 'Documenti', documents(view, base)),
      section('cronologia', 'Cronologia', timeline(view, base, WHO)),
      section('messaggi', 'Messaggi con il cittadino', messages(view, base, WHO)),
      notesSection(view, ctx)].filter(Boolean));
    $('#avviso').replaceChildren();
    if (message) {
      notice($('#avviso'), 'success', message);
      $('#avviso').firstChild.setAttribute('tabindex', '-1');
      $('#avviso').firstChild.focus();
    }
  };
  render(r.data);
}
