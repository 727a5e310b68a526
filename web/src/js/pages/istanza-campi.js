// The controls of an application's fields, one builder per kind of the catalogue (text, date,
// select, codice_fiscale, address, members, checkbox, attachment), and how their values are read.
// Every control's id is `c-<field>` (an address's parts `c-<field>-via`, …), its error `<id>-errore`.
import { el, today } from '../lib.js';
import { attachmentControl } from './istanze-allegati.js';

export const domId = (field) => `c-${field}`;

/** The applicant's own identity comes from the registry and is not edited here. */
const ownIdentity = (f) => f.prefill === 'nominativo' || (f.prefill === 'codice_fiscale' && f.id === 'codice_fiscale');

const ADDRESS = [
  ['via', 'Via o piazza', 'col-12 col-md-6', {}],
  ['civico', 'Numero civico', 'col-6 col-md-2', { maxlength: 10 }],
  ['interno', 'Interno (facoltativo)', 'col-6 col-md-2', { maxlength: 10 }],
  ['cap', 'CAP', 'col-12 col-md-2', { inputmode: 'numeric', maxlength: 5, autocomplete: 'postal-code' }],
];

const feedback = (id) => el('div', { class: 'invalid-feedback', id: `${id}-errore` });
const help = (id, text) => (text ? el('small', { class: 'form-text', id: `${id}-aiuto` }, text) : null);
const registryNote = (id) => el('span', { class: 'badge badge-registro', id: `${id}-registro` }, 'Dal registro anagrafico');

function input(f, id, value, described) {
  const type = f.kind === 'date' ? 'date' : f.format === 'email' ? 'email' : f.format === 'phone' ? 'tel' : 'text';
  const e = el('input', {
    class: `form-control${f.kind === 'codice_fiscale' ? ' text-uppercase' : ''}`, type, id, 'aria-describedby': described,
    maxlength: f.kind === 'codice_fiscale' ? 16 : f.max_length, max: f.date === 'past' ? today() : undefined,
    autocomplete: f.format === 'email' ? 'email' : f.format === 'phone' ? 'tel' : 'off',
    spellcheck: f.kind === 'codice_fiscale' ? 'false' : undefined, autocapitalize: f.kind === 'codice_fiscale' ? 'characters' : undefined,
  });
  e.value = value ?? '';
  return e;
}

function select(f, id, value, described) {
  const s = el('select', { class: 'form-select', id, 'aria-describedby': described },
    el('option', { value: '' }, 'Scegli una voce'), f.options.map((o) => el('option', { value: o.value }, o.label)));
  s.value = value ?? '';
  return s;
}

function group(f, id, described, note, ...content) {
  return el('fieldset', { id, class: 'campo-gruppo', 'aria-describedby': described },
    el('legend', { class: 'form-label' }, f.label), note, help(id, f.help), ...content, feedback(id));
}

function addressControl(f, id, value, described) {
  return group(f, id, described, null, el('div', { class: 'row g-3' }, ADDRESS.map(([part, label, col, attrs]) => {
    const pid = `${id}-${part}`;
    const e = el('input', { class: 'form-control', type: 'text', id: pid, autocomplete: 'off', ...attrs });
    e.value = value?.[part] ?? '';
    return el('div', { class: col }, el('label', { class: 'form-label', for: pid }, label), e, feedback(pid));
  })));
}

function membersControl(f, id, value, described, note, ctx) {
  const chosen = new Set(value || []);
  return group(f, id, described, note, (ctx.view.household || []).map((p, i) => el('div', { class: 'form-check' },
    el('input', { class: 'form-check-input', type: 'checkbox', id: `${id}-${i}`, value: p.codice_fiscale, checked: chosen.has(p.codice_fiscale) }),
    el('label', { class: 'form-check-label', for: `${id}-${i}` }, p.name, p.codice_fiscale === ctx.me ? ' (tu)' : '',
      el('span', { class: 'd-block cf-membro' }, p.codice_fiscale)))));
}

/** The control of field `f`, in a wrapper hidden while its `when` does not hold. */
export function fieldControl(f, ctx) {
  const id = domId(f.id);
  const value = ctx.data[f.id];
  const fromRegistry = (ctx.view.from_registry || []).includes(f.id);
  const described = [f.help ? `${id}-aiuto` : '', fromRegistry ? `${id}-registro` : ''].filter(Boolean).join(' ') || undefined;
  const note = fromRegistry ? registryNote(id) : null;
  let content;
  if (f.kind === 'address') content = [addressControl(f, id, value, described)];
  else if (f.kind === 'members') content = [membersControl(f, id, value, described, note, ctx)];
  else if (f.kind === 'checkbox') {
    const box = el('input', { class: 'form-check-input', type: 'checkbox', id, checked: !!value, 'aria-describedby': described });
    content = [el('div', { class: 'form-check' }, box, el('label', { class: 'form-check-label', for: id }, f.label)), note, help(id, f.help), feedback(id)];
  } else if (f.kind === 'attachment') {
    const files = (ctx.view.attachments || []).filter((a) => a.id === value);
    content = [attachmentControl({
      domId: id, field: f.id, label: f.label, help: f.help, formats: f.formats, appId: ctx.view.id, csrf: ctx.csrf, files,
      onChange: (list) => ctx.attached(f.id, list[0]),
    })];
  } else {
    const control = f.kind === 'select' ? select(f, id, value, described) : input(f, id, value, described);
    if (fromRegistry && ownIdentity(f)) { control.readOnly = true; control.classList.add('campo-registro'); }
    content = [el('div', { class: 'etichetta-campo' }, el('label', { class: 'form-label', for: id }, f.label), note), control, help(id, f.help), feedback(id)];
  }
  return el('div', { class: 'col-12 campo', 'data-field': f.id, hidden: ctx.hidden || undefined }, ...content);
}

/** The value of field `f` as the form holds it now (attachments come from `data`). */
export function readField(f, data) {
  const id = domId(f.id);
  const e = document.getElementById(id);
  switch (f.kind) {
    case 'checkbox': return e.checked;
    case 'members': return [...e.querySelectorAll('input:checked')].map((i) => i.value);
    case 'attachment': return data[f.id];
    case 'address': {
      const a = Object.fromEntries(ADDRESS.map(([part]) => [part, document.getElementById(`${id}-${part}`).value.trim()]));
      if (!a.interno) delete a.interno;
      return Object.values(a).some(Boolean) ? a : undefined;
    }
    case 'codice_fiscale': return e.value.trim().toUpperCase() || undefined;
    default: return e.value.trim() || undefined;
  }
}

/** The form's element for a field the API names ("indirizzo.cap" is the CAP of "indirizzo"). */
export function elementFor(field) {
  const exact = document.getElementById(domId(String(field).replace('.', '-')));
  return exact || document.getElementById(domId(String(field).split('.')[0]));
}
