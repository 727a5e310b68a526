// Anagrafe online – the pages' behaviour. Plain ES module, no framework.

const $ = (sel, root = document) => root.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c.nodeType ? c : document.createTextNode(String(c)));
  return e;
};
const params = new URLSearchParams(location.search);
const itDate = (iso) => (iso ? new Date(`${iso.slice(0, 10)}T12:00:00Z`).toLocaleDateString('it-IT', { day: '2-digit', month: '2-digit', year: 'numeric' }) : '–');
const today = () => new Date().toISOString().slice(0, 10);

/** Calls the JSON API; returns { ok, status, data, blob, headers }. */
async function api(path, { method = 'GET', body, csrf, raw = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (csrf) headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    return { ok: false, status: 0, data: { message: 'Connessione non riuscita: controlla la rete e riprova.' } };
  }
  const type = res.headers.get('content-type') || '';
  if (raw && res.ok && type.includes('application/pdf')) return { ok: true, status: res.status, blob: await res.blob(), headers: res.headers };
  const data = type.includes('application/json') ? await res.json().catch(() => ({})) : {};
  if (!res.ok && !data.message) data.message = 'Si è verificato un errore: riprova tra qualche minuto.';
  return { ok: res.ok, status: res.status, data, headers: res.headers };
}

function notice(target, kind, text) {
  target.replaceChildren(el('div', { class: `alert alert-${kind}`, role: kind === 'danger' ? 'alert' : 'status' }, text));
}

/** Marks a field invalid with its message next to it (or clears it with `null`). */
function fieldError(id, message) {
  const input = document.getElementById(id);
  const feedback = document.getElementById(`${id}-errore`);
  input.classList.toggle('is-invalid', !!message);
  if (message) {
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', feedback.id);
  } else {
    input.removeAttribute('aria-invalid');
    input.removeAttribute('aria-describedby');
  }
  feedback.textContent = message || '';
}

function busy(target, text) {
  target.replaceChildren(el('div', { class: 'in-corso', role: 'status' },
    el('div', { class: 'progress-spinner progress-spinner-active size-sm', 'aria-hidden': 'true' }),
    el('span', {}, text)));
}

function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function filename(headers, fallback) {
  const m = /filename="([^"]+)"/.exec(headers.get('content-disposition') || '');
  return m ? m[1] : fallback;
}

let meCache;
async function me() {
  if (meCache === undefined) {
    const r = await api('/api/me');
    meCache = r.ok ? r.data : null;
  }
  return meCache;
}

/** Pages behind login send the visitor to the access page. */
async function requireLogin() {
  const m = await me();
  if (!m) {
    location.assign('/accesso.html');
    throw new Error('login required');
  }
  return m;
}

async function header() {
  const portal = await api('/api/portal');
  if (portal.ok) {
    $('#nome-comune').textContent = `Comune di ${portal.data.municipality}`;
    const t = $('#titolo-comune');
    if (t) t.textContent = `Servizi Demografici online – Comune di ${portal.data.municipality}`;
    const w = $('#benvenuto');
    if (w) w.textContent = portal.data.welcome_message;
    $('#link-accessibilita').href = portal.data.accessibility_url;
    for (const [id, text] of [['privacy-rpd', portal.data.privacy.dpo], ['privacy-conservazione', portal.data.privacy.retention]]) {
      const e = document.getElementById(id);
      if (e) e.textContent = text;
    }
    for (const e of document.querySelectorAll('.nome-comune-testo')) e.textContent = `Comune di ${portal.data.municipality}`;
  }
  const m = await me();
  const zone = $('#zona-utente');
  if (m) {
    $('#menu').hidden = false;
    if (m.operator) $('#menu-operatore').hidden = false;
    const logout = el('form', { method: 'post', action: '/saml/logout', class: 'd-inline' },
      el('input', { type: 'hidden', name: 'csrf_token', value: m.csrf_token }),
      el('button', { type: 'submit', class: 'btn btn-outline-light btn-sm', id: 'esci' }, 'Esci'));
    zone.replaceChildren(el('span', {}, `${m.nome} ${m.cognome}`), logout);
    for (const a of document.querySelectorAll('#menu a')) if (a.getAttribute('href') === location.pathname) a.setAttribute('aria-current', 'page');
    const acc = $('#accedi-servizi');
    if (acc) { acc.hidden = true; $('#vai-famiglia').hidden = false; }
  }
}

// ---- Accesso -------------------------------------------------------------------------
async function accesso() {
  const r = await api('/api/auth/idps');
  const idps = r.ok ? r.data.idps : [];
  const spid = idps.filter((i) => i.kind === 'spid' || i.kind === 'demo');
  const list = $('#elenco-spid');
  for (const i of spid) list.append(el('li', {}, el('a', { href: i.login }, i.name)));
  $('#pulsante-spid').addEventListener('click', (ev) => {
    list.hidden = !list.hidden;
    ev.currentTarget.setAttribute('aria-expanded', String(!list.hidden));
  });
  const cie = idps.filter((i) => i.kind === 'cie');
  if (cie.length) {
    $('#blocco-cie').hidden = false;
    for (const i of cie) $('#elenco-cie').append(el('a', { class: 'btn btn-primary', href: i.login }, 'Entra con CIE'));
  }
  const others = idps.filter((i) => i.kind === 'regional');
  if (others.length) {
    $('#blocco-altri').hidden = false;
    for (const i of others) $('#elenco-altri').append(el('a', { class: 'btn btn-outline-primary', href: i.login }, `Entra con ${i.name}`));
  }
  if (!idps.length) notice($('#messaggio-accesso'), 'warning', "L'accesso non è al momento disponibile: nessun gestore dell'identità è configurato.");
}

// ---- Scheda di famiglia ----------------------------------------------------------------
async function famiglia() {
  await requireLogin();
  const dateInput = $('#data-situazione');
  dateInput.max = today();
  dateInput.value = params.get('date') || today();
  $('#mostra-deceduti').checked = params.get('deceased') === 'true';
  $('#stampa').addEventListener('click', () => window.print());
  const load = async () => {
    const date = dateInput.value || today();
    const deceased = $('#mostra-deceduti').checked;
    busy($('#messaggio'), 'Caricamento della scheda di famiglia…');
    const r = await api(`/api/household?date=${encodeURIComponent(date)}&deceased=${deceased}`);
    if (!r.ok) { notice($('#messaggio'), 'danger', r.data.message); $('#membri').replaceChildren(); return; }
    $('#messaggio').replaceChildren();
    $('#intestazione-famiglia').textContent = `Situazione al ${itDate(r.data.date)}: ${r.data.members.length} ${r.data.members.length === 1 ? 'componente' : 'componenti'}.`;
    const cards = r.data.members.map((m) => {
      const q = `cf=${encodeURIComponent(m.codice_fiscale)}`;
      return el('div', { class: 'col-12 col-md-6 col-xl-4' },
        el('div', { class: `card card-bg shadow-sm scheda-membro${m.deceased ? ' deceduto' : ''}` },
          el('div', { class: 'card-body' },
            el('h2', { class: 'h5 card-title' }, `${m.cognome} ${m.nome}`),
            el('dl', {},
              el('dt', {}, 'Codice fiscale'), el('dd', {}, el('span', { class: 'cf' }, m.codice_fiscale), m.codice_fiscale_validato ? el('span', { class: 'badge bg-success ms-2' }, 'validato') : null),
              el('dt', {}, 'Rapporto'), el('dd', {}, m.rapporto_parentela),
              el('dt', {}, 'Stato civile'), el('dd', {}, m.stato_civile || '–'),
              el('dt', {}, 'Sesso'), el('dd', {}, m.sesso === 'F' ? 'femminile' : 'maschile'),
              el('dt', {}, 'Nato/a a'), el('dd', {}, `${m.luogo_nascita}, il ${itDate(m.data_nascita)}`),
              m.deceased ? [el('dt', {}, 'Deceduto/a il'), el('dd', {}, itDate(m.data_decesso))] : null),
            el('div', { class: 'azioni' },
              el('a', { class: 'btn btn-primary btn-sm', href: `/dettaglio.html?${q}&date=${date}`, 'aria-label': `Dettaglio di ${m.nome} ${m.cognome}` }, 'Dettaglio'),
              el('a', { class: 'btn btn-outline-primary btn-sm', href: `/certificati.html?${q}`, 'aria-label': `Certificazioni per ${m.cognome} ${m.nome}` }, 'Certificazioni'),
              m.deceased ? null : el('a', { class: 'btn btn-outline-primary btn-sm', href: `/autocertificazioni.html?${q}`, 'aria-label': `Autocertificazioni per ${m.cognome} ${m.nome}` }, 'Autocertificazioni')))));
    });
    $('#membri').replaceChildren(...cards);
    $('#stampa-intestazione').textContent = `${$('#nome-comune').textContent} – Scheda di famiglia – situazione al ${itDate(r.data.date)} – stampata il ${itDate(today())}`;
  };
  // The filters apply as they change and stay in the address (reload and share keep them).
  const apply = () => {
    const q = new URLSearchParams({ date: dateInput.value || today() });
    if ($('#mostra-deceduti').checked) q.set('deceased', 'true');
    history.replaceState(null, '', `${location.pathname}?${q}`);
    load();
  };
  dateInput.addEventListener('change', apply);
  $('#mostra-deceduti').addEventListener('change', apply);
  $('#filtri').addEventListener('submit', (ev) => { ev.preventDefault(); apply(); });
  await load();
}

// ---- Dettaglio ---------------------------------------------------------------------------
function section(id, title, rows) {
  const body = rows.length ? el('dl', { class: 'dati-persona' }, rows.flat()) : el('p', {}, 'Nessun dato.');
  return el('div', { class: 'accordion-item' },
    el('h2', { class: 'accordion-header', id: `t-${id}` },
      el('button', { class: 'accordion-button collapsed', type: 'button', 'data-bs-toggle': 'collapse', 'data-bs-target': `#c-${id}`, 'aria-expanded': 'false', 'aria-controls': `c-${id}` }, title)),
    el('div', { id: `c-${id}`, class: 'accordion-collapse collapse', role: 'region', 'aria-labelledby': `t-${id}` },
      el('div', { class: 'accordion-body' }, body)));
}

const row = (k, v) => [el('dt', {}, k), el('dd', {}, v ?? '–')];
const period = (f) => `dal ${itDate(f.from)}${f.to ? ` al ${itDate(f.to)}` : ''}`;
const addr = (a) => `${a.via} ${a.civico}${a.interno ? `, interno ${a.interno}` : ''} – ${a.cap} ${a.comune} (${a.provincia})`;
const place = (l) => (l.tipo === 'comune' ? `${l.nome} (${l.provincia})` : l.stato);

function toggleAll(open) {
  for (const b of document.querySelectorAll('#sezioni .accordion-button')) {
    const panel = document.getElementById(b.getAttribute('aria-controls'));
    panel.classList.toggle('show', open);
    b.classList.toggle('collapsed', !open);
    b.setAttribute('aria-expanded', String(open));
  }
}

async function dettaglio() {
  await requireLogin();
  const cf = params.get('cf') || '';
  const dateInput = $('#data-situazione');
  dateInput.max = today();
  dateInput.value = params.get('date') || today();
  $('#espandi').addEventListener('click', () => toggleAll(true));
  $('#riduci').addEventListener('click', () => toggleAll(false));
  const load = async () => {
    busy($('#messaggio'), 'Caricamento dei dati…');
    const r = await api(`/api/household/persons/${encodeURIComponent(cf)}?date=${encodeURIComponent(dateInput.value || today())}`);
    if (!r.ok) { notice($('#messaggio'), 'danger', r.data.message); return; }
    $('#messaggio').replaceChildren();
    const d = r.data;
    $('#nome-persona').textContent = `${d.cognome} ${d.nome}`;
    document.title = `${d.cognome} ${d.nome} – Dettaglio – Servizi Demografici online`;
    $('#dati').replaceChildren(...[
      row('Situazione al', itDate(d.date)),
      row('Codice fiscale', `${d.codice_fiscale}${d.codice_fiscale_validato ? ' (validato)' : ''}`),
      row('Sesso', d.sesso === 'F' ? 'femminile' : 'maschile'),
      row('Nascita', `${place(d.luogo_nascita)}, ${itDate(d.data_nascita)}`),
      row('Paternità', d.paternita), row('Maternità', d.maternita),
      row('Cittadinanza', d.cittadinanza),
      row('Stato civile', d.stato_civile ? `${d.stato_civile.stato}${d.stato_civile.coniuge ? ` con ${d.stato_civile.coniuge.cognome} ${d.stato_civile.coniuge.nome}` : ''} (dal ${itDate(d.stato_civile.dal)})` : null),
      row('Posizione anagrafica', d.posizione_anagrafica),
      d.deceased ? row('Data del decesso', itDate(d.data_decesso)) : [],
      row('Rapporto di parentela', d.rapporto_parentela),
      row('Residenza', d.residenza ? addr(d.residenza) : null),
      row('Titolo di studio', d.titolo_studio), row('Professione', d.professione),
      row('Posizione elettorale', d.posizione_elettorale),
    ].flat());
    $('#sezioni').replaceChildren(
      section('residenze', 'Storico residenze e trasferimenti', d.storico_residenze.map((r) => row(period(r), addr(r)))),
      section('stato-civile', 'Storico dello stato civile', d.storico_stato_civile.map((s) => row(`dal ${itDate(s.dal)}`, `${s.stato}${s.coniuge ? ` – ${s.coniuge.cognome} ${s.coniuge.nome}` : ''}`))),
      section('documenti', "Carta d'identità e permesso di soggiorno", d.documenti.map((doc) => row(
        doc.tipo === 'carta_identita' ? `Carta d'identità ${doc.formato} n. ${doc.numero}` : `Permesso di soggiorno n. ${doc.numero}`,
        `rilasciata il ${itDate(doc.rilascio)}${doc.scadenza ? `, scadenza ${itDate(doc.scadenza)}` : ''}${doc.ente ? `, ${doc.ente}` : ''}${doc.questura ? `, ${doc.questura}` : ''}${doc.valida_espatrio === false ? ', non valida per l\'espatrio' : ''} – ${doc.valido ? 'in corso di validità' : 'scaduta'}`))),
      section('patente', 'Patente, veicoli, pensioni', [
        ...d.patente.map((p) => row(`Patente ${p.categorie} n. ${p.numero}`, period(p))),
        ...d.veicoli.map((v) => row(`Veicolo ${v.targa}`, v.descrizione)),
        ...d.pensioni.map((p) => row(`Pensione ${p.ente} n. ${p.numero}`, `${p.categoria}, ${period(p)}`)),
      ]),
    );
  };
  $('#filtri').addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
  // The accordion buttons toggle their panels (Bootstrap Italia's collapse, or this fallback).
  $('#sezioni').addEventListener('click', (ev) => {
    const b = ev.target.closest('.accordion-button');
    if (!b || window.bootstrap) return;
    const panel = document.getElementById(b.getAttribute('aria-controls'));
    const open = !panel.classList.contains('show');
    panel.classList.toggle('show', open);
    b.classList.toggle('collapsed', !open);
    b.setAttribute('aria-expanded', String(open));
  });
  await load();
}

// ---- Certificazioni ----------------------------------------------------------------------
async function certificati() {
  const m = await requireLogin();
  const cf = params.get('cf') || m.codice_fiscale;
  $('#link-autocert').href = `/autocertificazioni.html?cf=${encodeURIComponent(cf)}`;
  const stato = $('#stato');
  const r = await api(`/api/certificates/catalog?person=${encodeURIComponent(cf)}`);
  if (!r.ok) { notice(stato, 'danger', r.data.message); $('#richiesta').hidden = true; return; }
  const cat = r.data;
  const who = cat.person_name;
  $('h1').textContent = `Certificati per ${who}`;
  document.title = `Certificati per ${who} – Servizi Demografici online`;
  $('#per-chi').textContent = `Richiedi un certificato anagrafico o di stato civile che riguarda ${who}.`;
  const richiedi = $('#richiedi');
  richiedi.textContent = `Richiedi il certificato per ${who}`;
  const archives = [...new Map(cat.types.map((t) => [t.archive, t.archive_title])).entries()];
  const archivio = $('#archivio');
  archivio.replaceChildren(...archives.map(([id, title]) => el('option', { value: id }, title)));
  const tipo = $('#tipo');
  const fillTypes = () => {
    tipo.replaceChildren(...cat.types.filter((t) => t.archive === archivio.value).map((t) => el('option', { value: t.id }, t.title)));
    updateType();
  };
  const updateType = () => {
    const contestuale = tipo.value === 'contestuale';
    $('#fatti-contestuale').hidden = !contestuale;
    updateUso();
  };
  $('#fatti').replaceChildren(...cat.contestuale_facts.map((f) => el('div', { class: 'form-check' },
    el('input', { class: 'form-check-input', type: 'checkbox', id: `fatto-${f.id}`, value: f.id }),
    el('label', { class: 'form-check-label', for: `fatto-${f.id}` }, f.title))));
  const label = (u) => `${u.bollo ? 'In bollo' : 'Esente'} – ${u.title}`;
  $('#elenco-usi').replaceChildren(...[...cat.usi].sort((a, b) => Number(b.bollo) - Number(a.bollo)).map((u) => el('option', { value: label(u) })));
  const usoInput = $('#uso');
  const selectedUso = () => cat.usi.find((u) => label(u) === usoInput.value || u.title === usoInput.value);
  const exemptArchive = () => cat.exempt_archives.find((a) => a.id === archivio.value);
  const needsBollo = () => { const u = selectedUso(); return !!u && u.bollo && !exemptArchive(); };
  const updateUso = () => {
    const u = selectedUso();
    const out = $('#esito-uso');
    if (!u) { out.replaceChildren(); $('#campi-bollo').hidden = true; $('#anteprima').hidden = false; return; }
    const ex = exemptArchive();
    out.replaceChildren(el('p', { class: 'mb-0' }, ex ? ex.exemption : u.bollo ? 'Certificato in bollo: serve una marca da bollo da € 16,00, acquistata prima della richiesta.' : u.exemption));
    $('#campi-bollo').hidden = !needsBollo();
    $('#anteprima').hidden = needsBollo();
  };
  archivio.addEventListener('change', fillTypes);
  tipo.addEventListener('change', updateType);
  usoInput.addEventListener('input', updateUso);
  usoInput.addEventListener('change', updateUso);
  const bolloId = $('#bollo-id');
  const bolloData = $('#bollo-data');
  bolloData.max = today();
  const validId = () => /^\d{14}$/.test(bolloId.value.trim());
  const validDate = () => !!bolloData.value && bolloData.value <= today();
  bolloId.addEventListener('input', () => bolloId.classList.toggle('is-invalid', bolloId.value.length > 0 && !validId()));
  bolloData.addEventListener('input', () => bolloData.classList.toggle('is-invalid', !!bolloData.value && !validDate()));
  for (const radio of document.querySelectorAll('input[name="consegna"]')) radio.addEventListener('change', () => { $('#campi-email').hidden = !$('#consegna-email').checked; });
  $('#email').value = m.email || '';
  fillTypes();

  const request = () => {
    const u = selectedUso();
    if (!u) { notice(stato, 'danger', "Scegli l'uso dall'elenco."); usoInput.focus(); return null; }
    if (needsBollo() && (!validId() || !validDate())) {
      bolloId.classList.toggle('is-invalid', !validId());
      bolloData.classList.toggle('is-invalid', !validDate());
      notice(stato, 'danger', 'Indica identificativo (14 cifre) e data di emissione della marca da bollo.');
      return null;
    }
    const email = $('#consegna-email').checked;
    return {
      person: cf, type: tipo.value, uso: u.id,
      bollo: needsBollo() ? { id: bolloId.value.trim(), date: bolloData.value } : null,
      facts: [...document.querySelectorAll('#fatti input:checked')].map((i) => i.value),
      delivery: email ? 'email' : 'download',
      email: email ? $('#email').value : undefined,
      cc: email ? $('#email-cc').value : undefined,
    };
  };
  let key = crypto.randomUUID();
  $('#anteprima').addEventListener('click', async () => {
    const body = request();
    if (!body) return;
    busy(stato, "Stiamo preparando l'anteprima…");
    const res = await api('/api/certificates/preview', { method: 'POST', body, csrf: m.csrf_token, raw: true });
    if (!res.ok) { notice(stato, 'danger', res.data.message); return; }
    save(res.blob, 'anteprima.pdf');
    notice(stato, 'info', "Anteprima scaricata: non ha valore legale e non è verificabile.");
  });
  $('#richiesta').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = request();
    if (!body) return;
    busy(stato, 'Stiamo preparando e firmando il certificato: attendi qualche secondo…');
    richiedi.disabled = true;
    richiedi.textContent = 'Richiesta in corso…';
    const res = await fetch('/api/certificates', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': m.csrf_token, 'Idempotency-Key': key },
      body: JSON.stringify(body),
    }).catch(() => null).finally(() => { richiedi.disabled = false; richiedi.textContent = `Richiedi il certificato per ${who}`; });
    if (!res) { notice(stato, 'danger', 'Connessione non riuscita: riprova, la richiesta non verrà duplicata.'); return; }
    const type = res.headers.get('content-type') || '';
    if (res.ok && type.includes('application/pdf')) {
      save(await res.blob(), filename(res.headers, 'certificato.pdf'));
      const id = res.headers.get('x-certificate-id');
      notice(stato, 'success', res.headers.get('x-certificate-reissued') === 'true'
        ? `Il certificato ${id} era già stato rilasciato con questa richiesta (e la stessa marca da bollo): te lo abbiamo dato di nuovo, senza rilasciarne un altro né usare un'altra marca.`
        : `Certificato ${id} rilasciato e scaricato. Lo trovi anche in «I miei certificati».`);
      key = crypto.randomUUID();
      return;
    }
    const data = await res.json().catch(() => ({ message: 'Si è verificato un errore: riprova.' }));
    notice(stato, res.ok ? 'success' : 'danger', data.message);
    if (res.ok) key = crypto.randomUUID();
  });
}

// ---- Autocertificazioni ----------------------------------------------------------------
async function autocert() {
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
  for (const radio of document.querySelectorAll('input[name="consegna"]')) radio.addEventListener('change', () => { $('#campi-email').hidden = !$('#consegna-email').checked; });
  $('#email').value = m.email || '';
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
    if (!res.ok) { notice(stato, 'danger', res.data.message); return; }
    if (res.blob) { save(res.blob, filename(res.headers, 'dichiarazione.pdf')); notice(stato, 'success', 'Dichiarazione scaricata: stampala, controllala e firmala.'); } else notice(stato, 'success', res.data.message);
  });
}

// ---- I miei certificati ------------------------------------------------------------------
async function miei() {
  await requireLogin();
  const r = await api('/api/certificates/mine');
  if (!r.ok) { notice($('#messaggio'), 'danger', r.data.message); return; }
  if (!r.data.certificates.length) { notice($('#messaggio'), 'info', 'Non hai certificati validi.'); return; }
  const table = $('#tabella-certificati');
  table.hidden = false;
  const cell = (label, ...content) => el('td', { 'data-label': label }, ...content);
  $('tbody', table).replaceChildren(...r.data.certificates.map((c) => el('tr', {},
    cell('Per', c.person_name || c.person), cell('Certificato', c.title), cell('Uso', c.uso_title || '–'),
    cell('Bollo', c.bollo ? 'In bollo' : 'Esente'), cell('ID', c.id),
    cell('Rilasciato il', itDate(c.issued_at)), cell('Valido fino al', itDate(c.expires_at)),
    cell('Scarica', el('a', { href: `/api/certificates/${encodeURIComponent(c.id)}/pdf`, download: '' }, 'PDF', el('span', { class: 'visually-hidden' }, ` del certificato ${c.id}`))))));
}

// ---- Chi ha consultato i miei dati --------------------------------------------------------
const itDateTime = (iso) => new Date(iso).toLocaleString('it-IT', { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Rome' });

async function accessi() {
  await requireLogin();
  const table = $('#tabella-accessi');
  const more = $('#altri');
  let next = null;
  const load = async (append) => {
    const q = new URLSearchParams();
    if ($('#dal').value) q.set('from', $('#dal').value);
    if ($('#al').value) q.set('to', $('#al').value);
    if ($('#propri').checked) q.set('own', 'true');
    if (append && next) q.set('after', next);
    busy($('#messaggio'), 'Caricamento del registro degli accessi…');
    const r = await api(`/api/accessi?${q}`);
    if (!r.ok) { notice($('#messaggio'), 'danger', r.data.message); return; }
    $('#messaggio').replaceChildren();
    const rows = r.data.entries.map((e) => el('tr', { 'data-role': e.role },
      el('td', { 'data-label': 'Quando' }, el('time', { datetime: e.at }, itDateTime(e.at))), el('td', { 'data-label': 'Chi' }, e.who),
      el('td', { 'data-label': 'Che cosa' }, e.what), el('td', { 'data-label': 'Motivo' }, e.reason || '–')));
    if (append) $('tbody', table).append(...rows); else $('tbody', table).replaceChildren(...rows);
    table.hidden = !$('tbody', table).children.length;
    if (table.hidden && !r.data.next) notice($('#messaggio'), 'info', 'Nessun accesso ai tuoi dati nel periodo indicato.');
    next = r.data.next;
    more.hidden = !next;
  };
  $('#filtro').addEventListener('submit', (ev) => { ev.preventDefault(); load(false); });
  more.addEventListener('click', () => load(true));
  await load(false);
}

/** "SPID livello 2", "CIE livello 3", "CNS": how the citizen logged in, in plain words. */
function loginMethod(m) {
  const idp = (m.idp || '').toLowerCase();
  const kind = idp === 'cie' ? 'CIE' : idp === 'cns' ? 'CNS' : 'SPID';
  return kind === 'CNS' ? 'Carta Nazionale dei Servizi (CNS)' : `${kind} livello ${m.level}`;
}

// ---- Mio account -------------------------------------------------------------------------
async function account() {
  const m = await requireLogin();
  $('#identita').replaceChildren(...[
    row('Nome e cognome', `${m.nome} ${m.cognome}`), row('Codice fiscale', m.codice_fiscale),
    row('Accesso con', loginMethod(m)),
  ].flat());
  $('#email').value = m.email || '';
  $('#pec').value = m.pec || '';
  $('#avviso-operatori').checked = !!m.notify_operator_access;
  $('#profilo').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    for (const id of ['email', 'pec']) fieldError(id, null);
    const r = await api('/api/me', { method: 'PUT', body: { email: $('#email').value, pec: $('#pec').value, notify_operator_access: $('#avviso-operatori').checked }, csrf: m.csrf_token });
    const field = { invalid_email: 'email', invalid_pec: 'pec' }[r.data?.error];
    if (!r.ok && field) {
      fieldError(field, r.data.message);
      $(`#${field}`).focus();
      notice($('#stato'), 'danger', 'Correggi il campo segnalato e salva di nuovo.');
      return;
    }
    notice($('#stato'), r.ok ? 'success' : 'danger', r.ok ? 'Recapiti salvati.' : r.data.message);
  });
}

// ---- Certificazione libera (operators) -----------------------------------------------------
async function operatore() {
  const m = await requireLogin();
  if (!m.operator) { notice($('#stato'), 'danger', "La certificazione libera è riservata agli operatori dell'Ufficio Anagrafe."); $('#libera').hidden = true; return; }
  $('#libera').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = (id) => $(`#${id}`).value.trim();
    const body = {
      person: v('cf'), type: v('tipo'), uso: v('uso'), bollo: null, delivery: 'download',
      generalita: v('cf') ? undefined : { cognome: v('cognome'), nome: v('nome'), data_nascita: v('nascita'), luogo_nascita: v('luogo') },
      motivo: v('motivo'), richiedente: v('richiedente'), documento: { tipo: v('doc-tipo'), numero: v('doc-numero'), ente: v('doc-ente') },
    };
    busy($('#stato'), 'Rilascio del certificato in corso…');
    const r = await api('/api/operator/certificates', { method: 'POST', body, csrf: m.csrf_token, raw: true });
    if (!r.ok) { notice($('#stato'), 'danger', r.data.message); return; }
    save(r.blob, filename(r.headers, 'certificato.pdf'));
    notice($('#stato'), 'success', `Certificato ${r.headers.get('x-certificate-id')} rilasciato.`);
  });
}

const pages = { accesso, famiglia, dettaglio, certificati, autocert, miei, accessi, account, operatore };

async function main() {
  await header();
  const page = pages[document.body.dataset.page];
  if (page) await page();
  document.body.dataset.ready = 'true';
}

main().catch((e) => { if (e.message !== 'login required') console.error(e); });
