// How the online applications read: euro amounts, file sizes, legal terms, states, and every
// answer of an application by the label the catalogue gives it.
import { el, itDate } from '../lib.js';

export const euro = (cents) => `€ ${(cents / 100).toLocaleString('it-IT', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

export function size(bytes) {
  if (bytes < 1024) return `${bytes} byte`;
  if (bytes < 1024 * 1024) return `${Math.ceil(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toLocaleString('it-IT', { maximumFractionDigits: 1 })} MB`;
}

/** "2 giorni lavorativi", "30 giorni": a legal term of the catalogue. */
export function term({ days, kind }) {
  const n = days === 1 ? 'giorno' : 'giorni';
  return kind === 'working' ? `${days} ${n} ${days === 1 ? 'lavorativo' : 'lavorativi'}` : `${days} ${n}`;
}

/** The badge of a state: what needs the citizen's attention stands out, outcomes in their colour. */
export function stateBadge(state, label) {
  const colour = {
    bozza: 'bg-warning', integrazione_richiesta: 'bg-warning', preavviso_rigetto: 'bg-warning',
    accolta: 'bg-success', accolta_con_riserva: 'bg-success', accolta_definitivamente: 'bg-success',
    respinta: 'bg-secondary', ritirata: 'bg-secondary', annullata: 'bg-secondary',
  }[state] || 'bg-primary';
  return el('span', { class: `badge ${colour} stato-pratica`, 'data-state': state }, label);
}

/** Who has an application in hand (the office's answer names them by a string or an object). */
/** An operator ({codice_fiscale, name}) by name; `(tu)` for the one logged in. */
export const operatorName = (p, me) => (p ? `${p.name}${p.codice_fiscale === me ? ' (tu)' : ''}` : null);

export const lateBadge = () => el('span', { class: 'badge bg-danger ms-1' }, 'In ritardo');

/** Whether a field applies: a `when` field only when the other field has that value. */
export const applies = (field, data) => !field.when || data[field.when.field] === field.when.equals;

const empty = (v) => v === undefined || v === null || v === '' || (Array.isArray(v) && !v.length);

export const address = (a) => `${a.via} ${a.civico}${a.interno ? `, interno ${a.interno}` : ''} – ${a.cap}`;

/** A value as the citizen and the office read it. */
export function display(field, value, view) {
  if (field.kind === 'checkbox') return value ? 'Sì' : 'No';
  if (empty(value)) return field.kind === 'attachment' ? 'Nessun file allegato' : 'Non indicato';
  switch (field.kind) {
    case 'date': return itDate(value);
    case 'select': return field.options.find((o) => o.value === value)?.label ?? value;
    case 'address': return address(value);
    case 'members': {
      const names = new Map((view.household || []).map((p) => [p.codice_fiscale, p.name]));
      return value.map((cf) => (names.has(cf) ? `${names.get(cf)} (${cf})` : cf)).join('; ');
    }
    case 'attachment': {
      const a = (view.attachments || []).find((x) => x.id === value);
      return a ? `${a.name} (${size(a.size)})` : 'File allegato';
    }
    default: return String(value);
  }
}

/**
 * Every answer by its label, a block per step; `edit(step, index)` may add a link to the step.
 * Without the catalogue (`steps` empty) the answers are listed by their field ids.
 */
export function answers(steps, view, { heading = 'h3', edit } = {}) {
  const data = view.data || {};
  if (!steps?.length) {
    return [el('dl', { class: 'dati-persona' }, Object.entries(data).flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, typeof v === 'object' ? JSON.stringify(v) : String(v))]))];
  }
  return steps.map((step, i) => el('section', { class: 'risposte', 'aria-labelledby': `risposte-${step.id}` },
    el('div', { class: 'risposte-testata' },
      el(heading, { class: 'h5 mb-0', id: `risposte-${step.id}` }, step.title),
      edit ? edit(step, i) : null),
    el('dl', { class: 'dati-persona' }, step.fields.filter((f) => applies(f, data)).flatMap((f) => [
      el('dt', {}, f.label), el('dd', { 'data-field': f.id }, display(f, data[f.id], view)),
    ]))));
}
