// The uso picker: every uso a radio, grouped "In bollo (€ 16,00)" / "Esente dal bollo", with a
// search that filters the list (never a free text to validate). The chosen one shows its full
// legal text.
import { $, el } from '../lib.js';

const fold = (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
const BOLLO_NORM = "Soggetto a imposta di bollo di € 16,00 (art. 4 della Tariffa, parte prima, allegata al D.P.R. 26 ottobre 1972, n. 642): serve una marca da bollo acquistata prima della richiesta.";

function item(u) {
  const id = `uso-${u.id}`;
  return el('div', { class: 'form-check', 'data-cerca': fold(`${u.title} ${u.id.replaceAll('_', ' ')}`) },
    el('input', { class: 'form-check-input', type: 'radio', name: 'uso', id, value: u.id }),
    el('label', { class: 'form-check-label', for: id }, u.title),
    el('p', { class: 'uso-norma', id: `${id}-norma`, hidden: true }, u.bollo ? BOLLO_NORM : u.exemption));
}

/** Builds the picker from the catalogue's usi; `onChange(uso)` runs when the choice changes. */
export function usoPicker(usi, onChange) {
  const list = $('#elenco-usi');
  const groups = [[true, 'In bollo (€ 16,00)'], [false, 'Esente dal bollo']]
    .map(([bollo, title]) => [title, usi.filter((u) => u.bollo === bollo)])
    .filter(([, members]) => members.length)
    .map(([title, members]) => el('fieldset', {}, el('legend', {}, `${title}: ${members.length}`), members.map(item)));
  list.replaceChildren(...groups);
  const search = $('#cerca-uso');
  const count = $('#conteggio-usi');
  const chosen = () => list.querySelector('input[name="uso"]:checked');
  const filter = () => {
    const words = fold(search.value).split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const it of list.querySelectorAll('.form-check')) {
      // The chosen uso stays in view whatever is searched; only real matches are counted.
      const match = words.every((w) => it.dataset.cerca.includes(w));
      it.hidden = !match && !it.contains(chosen());
      if (match) shown += 1;
    }
    for (const g of list.querySelectorAll('fieldset')) g.hidden = !g.querySelector('.form-check:not([hidden])');
    count.textContent = !words.length ? `${usi.length} usi disponibili.`
      : shown ? `${shown} ${shown === 1 ? 'uso corrisponde' : 'usi corrispondono'} a «${search.value.trim()}».`
        : `Nessun uso corrisponde a «${search.value.trim()}»: prova un'altra parola, ad esempio «banca», «pensione» o «scuola».`;
  };
  search.addEventListener('input', filter);
  // Enter in the search never submits the request: it moves to the first uso found.
  search.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter') return;
    ev.preventDefault();
    list.querySelector('.form-check:not([hidden]) input')?.focus();
  });
  list.addEventListener('change', () => {
    const c = chosen();
    for (const it of list.querySelectorAll('.form-check')) {
      const on = it.contains(c);
      it.classList.toggle('uso-scelto', on);
      it.querySelector('.uso-norma').hidden = !on;
      it.querySelector('input').toggleAttribute('aria-describedby', false);
      if (on) it.querySelector('input').setAttribute('aria-describedby', `${c.id}-norma`);
    }
    onChange(usi.find((u) => u.id === c?.value));
  });
  filter();
  return () => usi.find((u) => u.id === chosen()?.value);
}
