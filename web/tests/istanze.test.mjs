// Online applications (issue #16) in headless Chromium. On a phone a citizen fills the residence
// declaration step by step, attaches a real PDF, leaves and finds the draft again in "Le mie
// pratiche", sends it and checks the sealed receipt (protocollo, due date, the attachment's
// SHA-256); an operator takes it from the desk and asks for an integration; the citizen answers;
// the operator accepts it with reserve; the citizen reads the whole timeline and the household
// shows the new address. axe (via `audit`) on every page, as citizen and as operator.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { audit, launchBrowser, loginAs, ready, startPortal, watchCsp } from './kit.mjs';

const PHONE = { width: 360, height: 740 };
const DESK = { width: 1280, height: 900 };
const sha = (b) => createHash('sha256').update(b).digest('hex');
const iso = (days) => new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);
const itShort = (d) => `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}`;

let browser, portal, operatorCf;
// What the steps pass on to each other.
const s = {};

before(async () => {
  browser = await launchBrowser();
  // The operator is a demo citizen, the last of the demo IdP's list (a first portal tells who).
  const probe = await startPortal({}, 'anagrafe-web-probe-');
  const ctx = await browser.newContext();
  const { all } = await loginAs(await ctx.newPage(), probe.base);
  await ctx.close();
  await probe.stop();
  operatorCf = all[all.length - 1];
  s.candidates = all.filter((cf) => cf !== operatorCf);
  portal = await startPortal({ OPERATORS: `${operatorCf}:Anna Bianchi:Ufficio Anagrafe centrale` }, 'anagrafe-web-istanze-');
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

/** On a phone the menu is one button: open it and follow `name`. */
async function menu(page, name) {
  if (await page.locator('#apri-menu').isVisible()) await page.locator('#apri-menu').click();
  await page.locator('#voci-menu').getByRole('link', { name, exact: true }).click();
  await ready(page);
}

async function next(page, step) {
  await page.getByRole('button', { name: 'Avanti' }).click();
  await page.waitForSelector(`#passo-${step}:not([hidden])`);
  assert.equal(await page.evaluate(() => document.activeElement.id), `passo-${step}-titolo`, 'the focus on the new step\'s title');
}

/** Sets a Bootstrap Italia checkbox (the box is drawn by its label) to `on`. */
async function setBox(page, id, on) {
  if (await page.locator(`#${id}`).isChecked() !== on) await page.locator(`label[for="${id}"]`).click();
}

/** A small real PDF, printed by Chromium. */
async function identityPdf() {
  const p = await browser.newPage();
  await p.setContent("<h1>Carta d'identità</h1><p>Fronte e retro del documento del dichiarante.</p>");
  const pdf = await p.pdf({ format: 'A4' });
  await p.close();
  return pdf;
}

test('a citizen fills the residence declaration on a phone, leaves, resumes the draft and sends it', async () => {
  // A citizen whose household has at least two members.
  for (const cf of s.candidates) {
    const ctx = await browser.newContext({ viewport: PHONE, acceptDownloads: true });
    const page = await ctx.newPage();
    await loginAs(page, portal.base, cf);
    await page.locator('.scheda-membro').first().waitFor();
    if (await page.locator('.scheda-membro').count() >= 2) { Object.assign(s, { ctx, page, cf }); break; }
    await ctx.close();
  }
  assert.ok(s.page, 'a demo citizen with a household of two or more');
  const { page, cf } = s;
  s.csp = watchCsp(page);
  // The new address is in this comune: its CAP is the one of the current address.
  const cap = /\b(\d{5})\b/.exec(await page.locator('#indirizzo-famiglia').innerText())[1];

  await menu(page, 'Servizi on line');
  await page.waitForSelector('.scheda-servizio');
  const card = page.locator('.scheda-servizio[data-service="cambio_residenza"]');
  assert.match(await card.innerText(), /Termine: 2 giorni lavorativi — art\. 5, comma 3, D\.L\. 9 febbraio 2012/);
  assert.match(await page.locator('.scheda-servizio[data-service="certificato_storico"]').innerText(), /Costo: € 10,00 — Diritti di ricerca/);
  await audit(page, 'istanze-servizi');
  await page.getByRole('button', { name: /^Compila la domanda\s*: Dichiarazione di residenza o cambio di abitazione$/ }).click();
  await page.waitForURL(/\/istanza\.html\?id=/);
  await ready(page);
  s.id = new URL(page.url()).searchParams.get('id');

  // 1. Who moves: the applicant's name from the registry, read-only; only themself moves.
  await page.waitForSelector('#passo-chi:not([hidden])');
  assert.match(await page.locator('#avviso-bozza').innerText(), /Bozza — non inviata: la domanda non è ancora stata presentata al Comune/);
  assert.match(await page.locator('#passo-chi-titolo').innerText(), /^Passo 1 di 6:\s+Chi si trasferisce$/);
  assert.equal(await page.locator('#passi [aria-current="step"]').getAttribute('data-step'), '0');
  const applicant = page.locator('#c-richiedente');
  assert.equal(await applicant.getAttribute('readonly'), '');
  assert.match(await applicant.getAttribute('aria-describedby'), /c-richiedente-registro/);
  assert.equal(await page.locator('#c-richiedente-registro').innerText(), 'Dal registro anagrafico');
  s.name = await applicant.inputValue();
  const boxes = await page.locator('#c-membri input[type="checkbox"]').evaluateAll((els) => els.map((e) => [e.id, e.value]));
  assert.ok(boxes.length >= 2, 'the household to choose from');
  for (const [id, value] of boxes) await setBox(page, id, value === cf);
  await audit(page, 'istanza-passo-chi');

  // 2. The new address and the day of the move, a few days ago.
  await next(page, 'indirizzo');
  s.moved = iso(-3);
  s.address = { via: 'Via dei Tigli', civico: '14', interno: '2', cap };
  await page.getByLabel('Via o piazza').fill(s.address.via);
  await page.getByLabel('Numero civico').fill(s.address.civico);
  await page.getByLabel('Interno (facoltativo)').fill(s.address.interno);
  await page.getByLabel('CAP').fill(cap);
  await page.getByLabel('Data del trasferimento').fill(s.moved);

  // 3. The title: the lease's registration appears only for a lease.
  await next(page, 'titolo');
  const contract = page.locator('.campo[data-field="contratto"]');
  assert.equal(await contract.isHidden(), true);
  await page.getByLabel("A che titolo occupi l'abitazione").selectOption('locazione');
  assert.equal(await contract.isVisible(), true);
  s.contract = 'Agenzia delle Entrate, Ufficio territoriale, 3 febbraio 2025, n. 1234 serie 3T';
  await page.getByLabel('Estremi di registrazione del contratto').fill(s.contract);
  await audit(page, 'istanza-passo-titolo');

  // 4. The identity document, uploaded at once; a file that is not what it says is refused on its field.
  await next(page, 'documenti');
  s.pdf = await identityPdf();
  await page.setInputFiles('#c-documento', { name: 'carta-identita.pdf', mimeType: 'application/pdf', buffer: s.pdf });
  await page.waitForSelector('#c-documento-file li');
  assert.match(await page.locator('#c-documento-file').innerText(), /carta-identita\.pdf\s+\(\d+ KB\)\s+Rimuovi/);
  await page.setInputFiles('#c-titolo_doc', { name: 'contratto.pdf', mimeType: 'application/pdf', buffer: Buffer.from('non è un PDF') });
  await page.waitForSelector('#c-titolo_doc[aria-invalid="true"]');
  assert.match(await page.locator('#c-titolo_doc').getAttribute('aria-describedby'), /c-titolo_doc-errore/);
  assert.notEqual(await page.locator('#c-titolo_doc-errore').innerText(), '');
  assert.equal(await page.locator('#c-titolo_doc-file li').count(), 0);
  await audit(page, 'istanza-passo-documenti');

  // 5. Contacts and the declaration.
  await next(page, 'contatti');
  s.email = 'dichiarante@example.org';
  await page.getByLabel('E-mail per le comunicazioni').fill(s.email);
  await setBox(page, 'c-consapevole', true);

  // 6. Riepilogo: every answer by its label.
  await next(page, 'riepilogo');
  const summary = await page.locator('#passo-riepilogo').innerText();
  for (const text of [`${s.address.via} 14, interno 2 – ${cap}`, itShort(s.moved), 'Intestatario di un contratto di locazione registrato', s.contract, 'carta-identita.pdf', s.email, cf]) {
    assert.ok(summary.includes(text), `the summary shows ${text}`);
  }
  assert.equal(await page.getByRole('link', { name: /^Modifica/ }).count(), 5, 'a "Modifica" link for each step');
  await audit(page, 'istanza-riepilogo');

  // Leave; come back through "Le mie pratiche": the draft, marked as not sent, as it was saved.
  await page.goto(`${portal.base}/`);
  await ready(page);
  await menu(page, 'Le mie pratiche');
  const draft = page.locator(`.scheda-pratica[data-id="${s.id}"]`);
  await draft.waitFor();
  assert.match(await draft.innerText(), /Bozza — non inviata/);
  await audit(page, 'pratiche-bozza');
  await draft.getByRole('link', { name: /^Riprendi/ }).click();
  await page.waitForURL(/\/istanza\.html\?id=/);
  await ready(page);
  await page.waitForSelector('#passo-chi:not([hidden])');
  for (const [id, value] of boxes) assert.equal(await page.locator(`#${id}`).isChecked(), value === cf, `member ${value}`);
  await next(page, 'indirizzo');
  assert.equal(await page.getByLabel('Via o piazza').inputValue(), s.address.via);
  assert.equal(await page.getByLabel('CAP').inputValue(), cap);
  assert.equal(await page.getByLabel('Data del trasferimento').inputValue(), s.moved);
  await next(page, 'titolo');
  assert.equal(await page.getByLabel("A che titolo occupi l'abitazione").inputValue(), 'locazione');
  assert.equal(await page.getByLabel('Estremi di registrazione del contratto').inputValue(), s.contract);
  await next(page, 'documenti');
  assert.match(await page.locator('#c-documento-file').innerText(), /carta-identita\.pdf/);
  await next(page, 'contatti');
  assert.equal(await page.getByLabel('E-mail per le comunicazioni').inputValue(), s.email);
  assert.equal(await page.locator('#c-consapevole').isChecked(), true);
  await next(page, 'riepilogo');

  // Sent: the protocollo, the due date, the sealed receipt with the attachment's SHA-256.
  await page.getByRole('button', { name: 'Invia la domanda' }).click();
  await page.waitForURL(/\/pratica\.html\?id=/);
  await ready(page);
  const sent = /^Domanda inviata: protocollo n\. (.+)\.$/.exec((await page.locator('#avviso').innerText()).trim());
  assert.ok(sent, 'the notice with the protocollo');
  s.protocollo = sent[1];
  const facts = await page.locator('.sintesi-pratica').innerText();
  assert.ok(facts.includes(s.protocollo), facts);
  s.due = /Da concludere entro il\s+(\d{2}\/\d{2}\/\d{4})/.exec(facts)[1];
  assert.ok((await page.locator('#allegati').innerText()).includes(sha(s.pdf)), 'the page shows the attachment\'s SHA-256');
  await audit(page, 'pratica-inviata');
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#documenti a').first().click()]);
  const receiptPath = join(portal.dataDir, 'ricevuta.pdf');
  await download.saveAs(receiptPath);
  assert.equal(readFileSync(receiptPath).subarray(0, 5).toString(), '%PDF-');
  const text = execFileSync('pdftotext', ['-layout', receiptPath, '-']).toString();
  const dueIso = `${s.due.slice(6)}-${s.due.slice(3, 5)}-${s.due.slice(0, 2)}`;
  const dueLong = new Date(`${dueIso}T12:00:00Z`).toLocaleDateString('it-IT', { day: 'numeric', month: 'long', year: 'numeric' });
  assert.ok(text.includes(s.protocollo), `the receipt names the protocollo ${s.protocollo}`);
  assert.ok([s.due, dueIso, dueLong].some((d) => text.includes(d)), `the receipt names the due date ${s.due}:\n${text}`);
  assert.ok(text.replace(/\s+/g, '').toLowerCase().includes(sha(s.pdf)), 'the receipt names the attachment\'s SHA-256');
});

test('an operator takes the application from the desk and asks for an integration', async () => {
  assert.ok(s.protocollo, 'the application was sent');
  s.office = await browser.newContext({ viewport: DESK, acceptDownloads: true });
  const op = await s.office.newPage();
  s.opCsp = watchCsp(op);
  s.op = op;
  await loginAs(op, portal.base, operatorCf);
  await menu(op, 'Scrivania istanze');
  await op.waitForSelector(`#coda tr[data-id="${s.id}"]`);
  assert.ok((await op.locator(`#coda tr[data-id="${s.id}"]`).innerText()).includes(s.protocollo));
  // The filters go into the address and keep the application in the queue.
  await op.getByLabel('Servizio').selectOption('cambio_residenza');
  await op.getByLabel('Stato').selectOption('protocollata');
  await op.getByRole('button', { name: 'Filtra' }).click();
  await op.waitForURL(/\?service=cambio_residenza&state=protocollata$/);
  await op.waitForSelector(`#coda tr[data-id="${s.id}"]`);
  await audit(op, 'scrivania');
  await op.locator(`#coda tr[data-id="${s.id}"] a`).click();
  await ready(op);
  await op.waitForSelector('#lavorazione');
  assert.ok((await op.locator('.sintesi-pratica').innerText()).includes(s.protocollo));
  const data = await op.locator('#domanda').innerText();
  assert.ok(data.includes(s.contract) && data.includes(s.address.via), 'the answers by label');
  assert.ok((await op.locator('#allegati').innerText()).includes(sha(s.pdf)));
  await audit(op, 'scrivania-pratica');

  await op.getByRole('button', { name: 'Prendi in carico' }).click();
  await op.waitForSelector('#avviso .alert-success');
  // The operator reads themself as the assignee.
  assert.match(await op.locator('.sintesi-pratica').innerText(), /Presa in carico[\s\S]*In carico a\s+\S.* \(tu\)/);
  // An internal note, which the citizen never sees.
  s.note = 'Verificare con la Polizia Locale il sopralluogo di via dei Tigli.';
  await op.getByLabel('Nuova nota interna').fill(s.note);
  await op.getByRole('button', { name: 'Aggiungi la nota' }).click();
  await op.waitForFunction(() => document.querySelector('#avviso')?.innerText.includes('Nota interna aggiunta'));
  assert.ok((await op.locator('#note').innerText()).includes(s.note));
  // Asked without a reason: refused next to the field, tied to it.
  await op.getByRole('button', { name: 'Richiedi integrazione' }).click();
  await op.waitForSelector('#motivazione[aria-invalid="true"]');
  assert.match(await op.locator('#motivazione').getAttribute('aria-describedby'), /motivazione-errore/);
  assert.match(await op.locator('#motivazione-errore').innerText(), /motivazione/i);
  s.request = 'Allega la copia del contratto di locazione con gli estremi della registrazione.';
  await op.getByLabel('Motivazione', { exact: true }).fill(s.request);
  await op.getByRole('button', { name: 'Richiedi integrazione' }).click();
  await op.waitForFunction(() => document.querySelector('#avviso')?.innerText.includes('Integrazione richiesta'));
  await audit(op, 'scrivania-pratica-integrazione');
});

test('the citizen reads the request and answers it; the operator accepts with reserve', async () => {
  assert.ok(s.request, 'the integration was requested');
  const { page, op } = s;
  await menu(page, 'Le mie pratiche');
  const card = page.locator(`.scheda-pratica[data-id="${s.id}"]`);
  await card.waitFor();
  assert.match(await card.innerText(), /Integrazione richiesta/);
  await card.getByRole('link', { name: /^Vedi la pratica/ }).click();
  await ready(page);
  await page.waitForSelector('#risposta');
  assert.ok((await page.locator('#risposta').innerText()).includes(s.request), 'the office\'s request');
  assert.ok(!(await page.locator('main').innerText()).includes(s.note), 'the internal note stays in the office');
  await audit(page, 'pratica-integrazione');
  // Sent empty: marked on the field.
  await page.getByRole('button', { name: 'Invia la risposta' }).click();
  await page.waitForSelector('#risposta-testo[aria-invalid="true"]');
  s.answer = 'Il contratto è registrato all\'Agenzia delle Entrate il 3 febbraio 2025 con il n. 1234 serie 3T.';
  await page.getByLabel('La tua risposta').fill(s.answer);
  await page.getByRole('button', { name: 'Invia la risposta' }).click();
  await page.waitForFunction(() => document.querySelector('#avviso')?.innerText.includes('Risposta inviata'));
  assert.ok((await page.locator('#messaggi').innerText()).includes(s.answer));

  await op.reload();
  await ready(op);
  await op.waitForSelector('#lavorazione');
  assert.ok((await op.locator('#messaggi').innerText()).includes(s.answer), 'the office reads the answer');
  await op.getByRole('button', { name: 'Accogli con riserva (iscrizione)' }).click();
  await op.waitForFunction(() => document.querySelector('#avviso')?.innerText.includes('Accolta con riserva'));
});

test('the citizen reads the whole timeline, and the household shows the new address', async () => {
  assert.ok(s.answer, 'the citizen answered');
  const { page, op } = s;
  await page.reload();
  await ready(page);
  await page.waitForSelector('.cronologia li');
  const states = await page.locator('.cronologia li').evaluateAll((lis) => lis.map((li) => li.dataset.state));
  assert.deepEqual(states.filter((x) => x !== 'bozza'),
    ['inviata', 'protocollata', 'presa_in_carico', 'integrazione_richiesta', 'integrazione_inviata', 'accolta_con_riserva']);
  const timeline = await page.locator('.cronologia').innerText();
  for (const label of ['protocollata', 'presa in carico', 'integrazione richiesta', 'integrazione inviata', 'accolta con riserva']) assert.ok(timeline.toLowerCase().includes(label), label);
  assert.ok(timeline.includes(s.request), 'the reason of the request');
  assert.match(await page.locator('.sintesi-pratica').innerText(), /Accolta con riserva/);
  await audit(page, 'pratica-accolta');
  await page.goto(`${portal.base}/famiglia.html`);
  await ready(page);
  await page.waitForSelector('.scheda-membro');
  assert.match(await page.locator('#indirizzo-famiglia').innerText(), /Via dei Tigli 14/);

  // The pages of the other role: the desk refuses a citizen; an operator's own lists are empty.
  await page.goto(`${portal.base}/scrivania.html`);
  await ready(page);
  assert.match(await page.locator('#messaggio').innerText(), /riservata agli operatori/);
  await audit(page, 'scrivania-cittadino');
  for (const [name, path] of [['istanze-operatore', '/istanze.html'], ['pratiche-operatore', '/pratiche.html']]) {
    await op.goto(`${portal.base}${path}`);
    await audit(op, name);
  }
  assert.deepEqual(s.csp, [], 'no Content-Security-Policy violation (citizen)');
  assert.deepEqual(s.opCsp, [], 'no Content-Security-Policy violation (operator)');
  await s.ctx.close();
  await s.office.close();
});
