// The header of every page: the comune's name, the user zone, the menu (collapsible on phones).
import { $, api, el, me } from './lib.js';

/** Fills the comune's name and the texts it configures wherever the page has them. */
async function portalTexts() {
  const portal = await api('/api/portal');
  if (!portal.ok) return;
  const p = portal.data;
  $('#nome-comune').textContent = `Comune di ${p.municipality}`;
  const t = $('#titolo-comune');
  if (t) t.textContent = `Servizi Demografici online – Comune di ${p.municipality}`;
  const w = $('#benvenuto');
  if (w) w.textContent = p.welcome_message;
  $('#link-accessibilita').href = p.accessibility_url;
  for (const [id, text] of [['privacy-rpd', p.privacy.dpo], ['privacy-conservazione', p.privacy.retention]]) {
    const e = document.getElementById(id);
    if (e) e.textContent = text;
  }
  for (const e of document.querySelectorAll('.nome-comune-testo')) e.textContent = `Comune di ${p.municipality}`;
}

/** The menu button opens and closes the menu on small screens; Escape closes it. */
function collapsibleMenu() {
  const button = $('#apri-menu');
  const items = $('#voci-menu');
  const set = (open) => {
    items.classList.toggle('aperto', open);
    button.setAttribute('aria-expanded', String(open));
    button.querySelector('.etichetta').textContent = open ? 'Chiudi menu' : 'Menu';
  };
  button.addEventListener('click', () => set(!items.classList.contains('aperto')));
  $('#menu').addEventListener('keydown', (ev) => { if (ev.key === 'Escape' && items.classList.contains('aperto')) { set(false); button.focus(); } });
}

export async function header() {
  await portalTexts();
  const m = await me();
  if (!m) return;
  $('#menu').hidden = false;
  collapsibleMenu();
  if (m.operator) { $('#menu-operatore').hidden = false; $('#menu-scrivania').hidden = false; }
  const logout = el('form', { method: 'post', action: '/saml/logout', class: 'd-inline' },
    el('input', { type: 'hidden', name: 'csrf_token', value: m.csrf_token }),
    el('button', { type: 'submit', class: 'btn btn-outline-light btn-sm', id: 'esci' }, 'Esci'));
  $('#zona-utente').replaceChildren(el('span', { class: 'nome-utente', title: `${m.nome} ${m.cognome}` }, `${m.nome} ${m.cognome}`), logout);
  // The current page's entry; an application's pages belong to the list they come from.
  const section = { '/istanza.html': '/pratiche.html', '/pratica.html': '/pratiche.html', '/scrivania-pratica.html': '/scrivania.html' }[location.pathname] || location.pathname;
  for (const a of document.querySelectorAll('#menu a')) if (a.getAttribute('href') === section) a.setAttribute('aria-current', a.getAttribute('href') === location.pathname ? 'page' : 'true');
  const acc = $('#accedi-servizi');
  if (acc) { acc.hidden = true; $('#vai-famiglia').hidden = false; }
}
