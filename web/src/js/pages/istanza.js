// A draft application, step by step: one step per step of the catalogue, then the Riepilogo.
// Every step change saves the whole draft (PUT) and marks the problems on their fields; the step
// is in the address, so a reload (or coming back from "Le mie pratiche") finds the draft as saved.
import { $, api, busy, el, notice, params, requireLogin, showErrors } from '../lib.js';
import { applies } from './istanze-formato.js';
import { elementFor, fieldControl, readField } from './istanza-campi.js';
import { summaryStep } from './istanza-riepilogo.js';

const clock = () => new Date().toLocaleTimeString('it-IT', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Rome' });

export default async function istanza() {
  const m = await requireLogin();
  const stato = $('#stato');
  const id = params.get('id') || '';
  busy(stato, 'Caricamento della domanda…');
  const r = await api(`/api/istanze/${encodeURIComponent(id)}`);
  if (!r.ok) { notice(stato, 'danger', r.data.message); return; }
  if (!r.data.draft) { location.replace(`/pratica.html?id=${encodeURIComponent(id)}`); return; }
  const s = await api(`/api/istanze/servizi/${encodeURIComponent(r.data.service)}`);
  if (!s.ok) { notice(stato, 'danger', s.data.message); return; }
  stato.replaceChildren();
  const service = s.data;
  let view = r.data;
  const data = { ...view.data };
  const fields = service.steps.flatMap((st) => st.fields);
  const steps = [...service.steps, { id: 'riepilogo', title: 'Riepilogo', fields: [] }];
  const summary = $('#riepilogo-errori');
  let current = 0;
  let moving = false;

  const ctx = {
    view, data, csrf: m.csrf_token, me: m.codice_fiscale,
    attached: (field, a) => {
      view.attachments = (view.attachments || []).filter((x) => x.field !== field).concat(a ? [a] : []);
      if (a) data[field] = a.id; else delete data[field];
    },
  };
  const sections = steps.map((st, i) => el('section', { class: 'passo', id: `passo-${st.id}`, hidden: true, 'aria-labelledby': `passo-${st.id}-titolo` },
    el('h2', { class: 'h3 titolo-passo', id: `passo-${st.id}-titolo`, tabindex: '-1' },
      el('span', { class: 'numero-passo' }, `Passo ${i + 1} di ${steps.length}:`), ' ', st.title),
    st.fields.length ? el('div', { class: 'row g-4' }, st.fields.map((f) => fieldControl(f, { ...ctx, hidden: !applies(f, data) }))) : el('div', { id: 'riepilogo' })));
  $('#passi-contenuto').replaceChildren(...sections);
  $('#passi').replaceChildren(...steps.map((st, i) => el('li', {}, el('button', { type: 'button', class: 'passo-link', 'data-step': String(i) },
    el('span', { class: 'numero', 'aria-hidden': 'true' }, String(i + 1)),
    el('span', { class: 'titolo-breve' }, el('span', { class: 'visually-hidden' }, `Passo ${i + 1}: `), st.title)))));
  $('#titolo-domanda').textContent = service.title;
  if (service.fee) $('#invia').textContent = 'Invia e paga con pagoPA';
  for (const e of ['#avviso-bozza', '#passi-nav', '#domanda']) $(e).hidden = false;

  /** The form's values now, without those of the fields whose condition does not hold. */
  const values = () => {
    const v = { ...data };
    for (const f of fields) { const x = readField(f, data); if (x === undefined) delete v[f.id]; else v[f.id] = x; }
    for (const f of fields) if (!applies(f, v)) delete v[f.id];
    return v;
  };
  const collect = () => { const v = values(); for (const k of Object.keys(data)) delete data[k]; Object.assign(data, v); return data; };
  const refresh = () => {
    const v = values();
    for (const f of fields) if (f.when) $(`.campo[data-field="${f.id}"]`).hidden = !applies(f, v);
  };
  const stepOf = (elementId) => sections.indexOf(document.getElementById(elementId).closest('.passo'));
  const save = async () => {
    const res = await api(`/api/istanze/${encodeURIComponent(view.id)}`, { method: 'PUT', body: { data: collect() }, csrf: m.csrf_token });
    if (res.ok) view = res.data;
    return res;
  };
  /** Marks each problem on its field, with the summary on top; answers the [id, message] marked. */
  const mark = (problems) => {
    const marked = [];
    const other = [];
    for (const p of problems) { const e = elementFor(p.field); if (e) marked.push([e.id, p.message]); else other.push(p.message); }
    showErrors(summary, marked);
    if (other.length) notice(stato, 'danger', other.join(' '));
    return marked;
  };

  const show = (i) => {
    current = i;
    sections.forEach((sec, k) => { sec.hidden = k !== i; });
    for (const b of document.querySelectorAll('#passi button')) {
      const k = Number(b.dataset.step);
      if (k === i) b.setAttribute('aria-current', 'step'); else b.removeAttribute('aria-current');
      b.parentElement.classList.toggle('fatto', k < i);
    }
    $('#indietro').hidden = i === 0;
    $('#avanti').hidden = i === steps.length - 1;
    $('#invia').hidden = i !== steps.length - 1;
    if (i === steps.length - 1) summaryStep($('#riepilogo'), { service, view: { ...view, data }, edit: (k) => goTo(k) });
    history.replaceState(null, '', `${location.pathname}${location.search}#passo-${steps[i].id}`);
    document.title = `${steps[i].title} – ${service.title} – Servizi Demografici online`;
  };

  /** Saves, then shows step `i` (or stays where a forward move leaves problems behind). */
  async function goTo(i, focusId) {
    if (moving || i < 0 || i >= steps.length) return;
    moving = true;
    busy(stato, 'Salvataggio della bozza…');
    const res = await save().finally(() => { moving = false; });
    if (!res.ok) { notice(stato, 'danger', `${res.data.message} I dati inseriti restano in questa pagina: riprova.`); return; }
    notice(stato, 'success', `Bozza salvata alle ${clock()}.`);
    const marked = mark(res.data.problems || []);
    const stay = i > current && marked.some(([e]) => stepOf(e) === current);
    if (stay) return;
    show(i);
    // The draft banner and the step's title come back into view; the focus goes to the title.
    $('#avviso-bozza').scrollIntoView({ block: 'start' });
    (focusId ? document.getElementById(focusId) : $(`#passo-${steps[i].id}-titolo`)).focus({ preventScroll: !focusId });
  }

  async function send(button) {
    button.disabled = true;
    busy(stato, 'Invio della domanda in corso: attendi qualche secondo…');
    const saved = await save();
    const res = saved.ok ? await api(`/api/istanze/${encodeURIComponent(view.id)}/invia`, { method: 'POST', csrf: m.csrf_token }) : saved;
    button.disabled = false;
    if (res.ok && res.data.checkout_url) {
      // A fee: the application is presented once paid; the checkout comes back to the payment page.
      busy(stato, 'Ti portiamo al pagamento pagoPA…');
      sessionStorage.setItem('checkout', res.data.id);
      location.assign(res.data.checkout_url);
      return;
    }
    if (res.ok && res.data.state === 'attesa_pagamento') {
      location.assign(`/pagamento.html?pratica=${encodeURIComponent(res.data.id)}`);
      return;
    }
    if (res.ok) {
      sessionStorage.setItem('avviso-pratica', JSON.stringify({ id: res.data.id, text: `Domanda inviata: protocollo n. ${res.data.protocollo}.` }));
      location.assign(`/pratica.html?id=${encodeURIComponent(res.data.id)}`);
      return;
    }
    stato.replaceChildren();
    const errors = res.data.errors?.length ? res.data.errors : res.data.field ? [{ field: res.data.field, message: res.data.message }] : [];
    const marked = errors.length ? mark(errors) : [];
    if (!marked.length) { notice(stato, 'danger', res.data.message); button.focus(); return; }
    show(stepOf(marked[0][0]));
    summary.firstChild.focus();
  }

  $('#domanda').addEventListener('input', refresh);
  $('#domanda').addEventListener('change', refresh);
  $('#domanda').addEventListener('submit', (ev) => { ev.preventDefault(); goTo(current + 1); });
  $('#indietro').addEventListener('click', () => goTo(current - 1));
  $('#invia').addEventListener('click', () => send($('#invia')));
  $('#passi').addEventListener('click', (ev) => { const b = ev.target.closest('button[data-step]'); if (b) goTo(Number(b.dataset.step)); });
  // A link of the error summary leads to its field, on whatever step it is.
  summary.addEventListener('click', (ev) => {
    const a = ev.target.closest('a[href^="#"]');
    const target = a && document.getElementById(a.getAttribute('href').slice(1));
    if (!target) return;
    ev.preventDefault();
    if (stepOf(target.id) === current) target.focus(); else goTo(stepOf(target.id), target.id);
  });
  show(Math.max(0, steps.findIndex((st) => location.hash === `#passo-${st.id}`)));
}
