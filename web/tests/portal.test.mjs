// The portal in real headless Chromium (Debian's, driven by playwright-core): a citizen logs in
// through the demo IdP by clicking, reads the household, requests a certificate and verifies
// it, prepares an autocertificazione, logs out. axe-core checks every page, logged in and out;
// screenshots at 1280 and 360 px go to target/screenshots.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { audit, launchBrowser, login as loginAt, loginAs, pinOf, python, ready, repo, shots, startPortal, watchCsp } from './kit.mjs';

let portal, browser, base, dataDir;

before(async () => {
  // A CNS trust bundle (one test CA), so that the access page offers "Entra con CNS".
  portal = await startPortal((dir) => {
    const bundle = join(dir, 'cns-ca.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'cns-ca.key'),
      '-out', bundle, '-days', '30', '-subj', '/C=IT/O=Regione di prova/CN=CA Cittadini di prova'], { stdio: 'ignore' });
    return { CNS_TRUST_BUNDLE: bundle, CNS_PORT: '0' };
  });
  ({ base, dataDir } = portal);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

const sha = (b) => createHash('sha256').update(b).digest('hex');
const login = (page) => loginAt(page, base);

test('a citizen goes through the whole portal by clicking', async () => {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const csp = watchCsp(page);
  const cf = await login(page);

  // The household, then a member's detail at another date.
  const cards = page.locator('.scheda-membro');
  await cards.first().waitFor();
  assert.ok(await cards.count() >= 2, 'the household has its members');
  assert.match(await page.locator('#membri').innerText(), new RegExp(cf));
  await page.getByRole('link', { name: /^Dettaglio di / }).first().click();
  await ready(page);
  await page.waitForSelector('#dati dt');
  assert.match(await page.locator('#dati').innerText(), /Codice fiscale/);
  const past = new Date(Date.now() - 30 * 86400000);
  const iso = past.toISOString().slice(0, 10);
  const shown = `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
  await page.getByLabel('Situazione alla data').fill(iso);
  await page.getByRole('button', { name: 'Aggiorna' }).click();
  await page.waitForFunction((d) => document.querySelector('#dati')?.innerText.includes(d), shown);
  await page.getByRole('button', { name: 'Espandi tutto' }).click();
  assert.equal(await page.locator('#sezioni .accordion-collapse.show').count(), 4);

  // A certificate: cascading choices, an exempt uso, download.
  await page.goto(`${base}/famiglia.html`);
  await ready(page);
  await page.getByRole('link', { name: /^Certificazioni per / }).first().click();
  await ready(page);
  await page.getByLabel('Certificato', { exact: true }).selectOption({ label: 'Certificato di residenza' });
  await page.getByLabel("Cerca l'uso").fill('pensioni');
  await page.locator('label[for="uso-pensioni"]').click();
  assert.equal(await page.locator('#campi-bollo').isHidden(), true, 'no bollo fields for an exempt uso');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Richiedi il certificato' }).click(),
  ]);
  const pdfPath = join(dataDir, 'scaricato.pdf');
  await download.saveAs(pdfPath);
  const pdf = readFileSync(pdfPath);
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  await page.waitForSelector('.alert-success');

  // A bollo uso shows the marca fields, validated as you type, and hides the preview.
  await page.getByLabel("Cerca l'uso").fill('');
  await page.locator('label[for="uso-uso_privato"]').click();
  assert.equal(await page.locator('#campi-bollo').isVisible(), true);
  assert.equal(await page.locator('#anteprima').isHidden(), true);
  assert.equal(await page.locator('#campi-marca').isHidden(), true, 'paying online needs no marca');
  await page.locator('label[for="bollo-cartaceo"]').click();
  await page.getByLabel(/Identificativo della marca/).fill('123');
  await page.getByLabel(/Identificativo della marca/).press('Tab');
  assert.match(await page.getByLabel(/Identificativo della marca/).getAttribute('class'), /is-invalid/);
  assert.match(await page.locator('#bollo-id-errore').innerText(), /14 cifre/);

  // The verification link from the certificate's QR code returns the same bytes.
  const prefix = join(dataDir, 'pagina');
  execFileSync('pdftoppm', ['-r', '150', '-png', pdfPath, prefix]);
  const link = execFileSync(python, [join(repo, 'tests', 'python', 'decode_qr.py'), `${prefix}-1.png`]).toString().trim();
  assert.ok(link.startsWith(`${base}/verifica/`), link);
  // What the log must never carry: the certificate's PIN and its secret.
  const pin = pinOf(pdfPath);
  assert.match(pin ?? '', /^\d{10}$/, 'the PIN printed on the certificate');
  portal.secrets.push(pin, new URL(link).searchParams.get('k'));
  await page.goto(link);
  assert.match(await page.locator('h1').innerText(), /Verifica del certificato/);
  await page.evaluate(() => { document.body.dataset.ready = 'true'; });
  await audit(page, 'verifica-esito');
  const [original] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: "Scarica l'originale (PDF)" }).click(),
  ]);
  const originalPath = join(dataDir, 'originale.pdf');
  await original.saveAs(originalPath);
  assert.equal(sha(readFileSync(originalPath)), sha(pdf), 'the verified original is the issued PDF');

  // An autocertificazione.
  await page.goto(`${base}/famiglia.html`);
  await ready(page);
  await page.getByRole('link', { name: /^Autocertificazioni per / }).first().click();
  await ready(page);
  const [declaration] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Prepara la dichiarazione' }).click(),
  ]);
  const declPath = join(dataDir, 'dichiarazione.pdf');
  await declaration.saveAs(declPath);
  assert.equal(readFileSync(declPath).subarray(0, 5).toString(), '%PDF-');

  // I miei certificati lists the certificate.
  await page.goto(`${base}/miei-certificati.html`);
  await ready(page);
  await page.waitForSelector('#tabella-certificati tbody tr');
  // Each row says for whom, which uso and whether in bollo; at 360 px it fits the screen.
  const row = await page.locator('#tabella-certificati tbody tr').first().innerText();
  assert.match(row, /Certificato di residenza/);
  assert.match(row, /Pensioni/);
  assert.match(row, /Esente/);
  await page.setViewportSize({ width: 360, height: 740 });
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 360, 'no horizontal scroll at 360 px');
  await page.screenshot({ path: join(shots, 'miei-certificati-righe-360.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  // Log out.
  await page.getByRole('button', { name: 'Esci' }).click();
  await page.waitForURL(`${base}/uscito.html`);
  await ready(page);
  assert.match(await page.locator('h1').innerText(), /Sei uscito dal portale/);
  const me = await page.request.get(`${base}/api/me`);
  assert.equal(me.status(), 401);
  assert.deepEqual(csp, [], 'no Content-Security-Policy violation on the way');
  await context.close();
});

test('every page passes axe (WCAG 2.1 AA) logged out and logged in, at 1280 and 360 px', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const csp = watchCsp(page);
  for (const [name, path] of [['home', '/'], ['accesso', '/accesso.html'], ['non-trovata', '/non-esiste.html'], ['verifica', '/verifica'],
    ['uscito', '/uscito.html'], ['privacy', '/privacy.html'], ['accessibilita', '/accessibilita.html'], ['note-legali', '/note-legali.html'],
    ['cns-rifiutata', '/cns/esito?motivo=scaduta']]) {
    const response = await page.goto(`${base}${path}`);
    const headers = response.headers();
    assert.match(headers['content-security-policy'] || '', /default-src '(self|none)'/, `${path}: CSP in force`);
    assert.equal(headers['x-content-type-options'], 'nosniff', path);
    assert.match(headers['content-security-policy'], /frame-ancestors 'none'/, path);
    if (name === 'accesso') {
      // CIE through its own federation (locally the demo IdP plays the Ministry's).
      assert.equal(await page.getByRole('link', { name: 'Entra con CIE' }).getAttribute('href'), '/saml/login?idp=demo-cie');
      // The CNS button and what a citizen needs for it.
      assert.equal(await page.getByRole('link', { name: 'Entra con CNS / TS-CNS' }).getAttribute('href'), '/cns/start');
      await page.locator('#istruzioni-cns summary').click();
      assert.match(await page.locator('#istruzioni-cns').innerText(), /lettore di smart card[\s\S]*PIN[\s\S]*attivata/);
    }
    if (name === 'cns-rifiutata') {
      assert.equal(response.status(), 403);
      assert.match(await page.locator('h1').innerText(), /Carta scaduta/);
      assert.equal(await page.getByRole('link', { name: 'Torna alla pagina di accesso' }).getAttribute('href'), '/accesso.html');
    }
    if (name === 'verifica' || name === 'cns-rifiutata') {
      await page.evaluate(() => { document.body.dataset.ready = 'true'; });
    }
    await audit(page, `fuori-${name}`);
  }
  await page.getByRole('link', { name: 'Accedi' }).first().click().catch(() => {});
  const cf = await login(page);
  await audit(page, 'famiglia');
  for (const [name, path] of [
    ['dettaglio', `/dettaglio.html?cf=${cf}`],
    ['certificati', `/certificati.html?cf=${cf}`],
    ['autocertificazioni', `/autocertificazioni.html?cf=${cf}`],
    ['miei-certificati', '/miei-certificati.html'],
    ['account', '/account.html'],
    ['operatore', '/operatore.html'],
    ['home-connesso', '/'],
  ]) {
    await page.goto(`${base}${path}`);
    await audit(page, name);
  }
  assert.deepEqual(csp, [], 'no Content-Security-Policy violation on any page');
  await context.close();
});

test('"Chi ha consultato i miei dati" shows a household member, an operator with the motivo and a verification', async () => {
  // A portal whose operator is a demo citizen (its demo population is the same as the main one's).
  const probe = await browser.newContext();
  const { all } = await loginAs(await probe.newPage(), base);
  await probe.close();
  const operatorCf = all[all.length - 1];
  const second = await startPortal({ OPERATORS: `${operatorCf}:Anna Bianchi:Ufficio Anagrafe centrale` }, 'anagrafe-web-log-');
  const { base: site, dataDir: dir } = second;
  try {
    const ctx = () => browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    // A logs in and names a member of the household, B.
    const aCtx = await ctx();
    const aPage = await aCtx.newPage();
    const csp = watchCsp(aPage);
    const { cf: a } = await loginAs(aPage, site);
    await aPage.locator('.scheda-membro').first().waitFor();
    const members = (await aPage.locator('#membri').innerText()).match(/[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z]/g);
    const b = members.find((m) => m !== a);
    assert.ok(b, 'the household has another member');

    // B reads A's detail.
    const bCtx = await ctx();
    const bPage = await bCtx.newPage();
    await loginAs(bPage, site, b);
    await bPage.goto(`${site}/dettaglio.html?cf=${a}`);
    await ready(bPage);
    await bPage.waitForSelector('#dati dt');
    const bName = (await bPage.locator('#zona-utente span').first().innerText()).trim();
    await bCtx.close();

    // The operator issues a certificazione libera for A, with a motivo.
    const oCtx = await ctx();
    const oPage = await oCtx.newPage();
    await loginAs(oPage, site, operatorCf);
    await oPage.goto(`${site}/operatore.html`);
    await ready(oPage);
    const motivo = 'Verifica della residenza per un procedimento civile';
    // Sent empty, every missing field is marked at once, with a summary linking to each.
    await oPage.locator('#libera button[type="submit"]').click();
    await oPage.waitForSelector('#riepilogo-errori .alert-danger');
    const marked = await oPage.locator('#libera [aria-invalid="true"]').evaluateAll((els) => els.map((e) => e.id));
    assert.deepEqual(marked, ['cf', 'tipo', 'uso', 'motivo', 'richiedente', 'doc-tipo', 'doc-numero', 'doc-ente']);
    const summaryLinks = await oPage.locator('#riepilogo-errori a').evaluateAll((as) => as.map((x) => x.getAttribute('href')));
    assert.deepEqual(summaryLinks, marked.map((id) => `#${id}`));
    assert.match(await oPage.locator('#motivo-errore').innerText(), /Indica il motivo della richiesta/);
    assert.equal(await oPage.evaluate(() => document.activeElement.closest('#riepilogo-errori') !== null), true, 'the summary has the focus');
    await audit(oPage, 'operatore-errori');
    // The type and uso are chosen by name from the catalogue, not typed as codes.
    assert.ok((await oPage.locator('#tipo option').allInnerTexts()).includes('Certificato di residenza'));
    await oPage.getByLabel('Codice fiscale').fill(a);
    await oPage.getByLabel('Certificato', { exact: true }).selectOption({ label: 'Certificato di residenza' });
    await oPage.getByLabel('Uso', { exact: true }).selectOption('processuale');
    assert.match(await oPage.locator('#uso-norma').innerText(), /Esente da imposta di bollo/);
    await oPage.getByLabel('Motivo della richiesta').fill(motivo);
    await oPage.getByLabel('Richiedente (cognome e nome)').fill('Avv. Carla Neri');
    await oPage.getByLabel('Documento del richiedente').selectOption("carta d'identità");
    await oPage.getByLabel('Numero del documento').fill('CA00000AA');
    await oPage.getByLabel('Rilasciato da').fill('Comune di Siena');
    const [download] = await Promise.all([oPage.waitForEvent('download'), oPage.locator('#libera button[type="submit"]').click()]);
    const pdfPath = join(dir, 'libera.pdf');
    await download.saveAs(pdfPath);
    await oCtx.close();

    // A recipient verifies it through its QR code, without logging in.
    const prefix = join(dir, 'libera');
    execFileSync('pdftoppm', ['-r', '150', '-png', pdfPath, prefix]);
    const link = execFileSync(python, [join(repo, 'tests', 'python', 'decode_qr.py'), `${prefix}-1.png`]).toString().trim();
    const rCtx = await ctx();
    const rPage = await rCtx.newPage();
    await rPage.goto(link);
    assert.match(await rPage.locator('h1').innerText(), /Verifica del certificato/);
    const id = decodeURIComponent(new URL(link).pathname.split('/').pop());
    await rCtx.close();

    // A sees exactly those accesses, newest first, in Italian: B's (the scheda di famiglia B
    // lands on after login shows A too, then A's detail), the operator's with the motivo, the
    // verification without the verifier's address.
    await aPage.goto(`${site}/accessi.html`);
    await ready(aPage);
    await aPage.waitForSelector('#tabella-accessi tbody tr');
    const rows = await aPage.locator('#tabella-accessi tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.innerText.trim())));
    assert.equal(rows.length, 4, JSON.stringify(rows));
    assert.deepEqual(rows.map((r) => r.slice(1)), [
      ['Verifica pubblica del certificato', `Il certificato ${id} è stato verificato`, '–'],
      ['Anna Bianchi — Ufficio Anagrafe centrale', `Certificazione libera: certificato ${id}`, motivo],
      [`${bName} (componente della famiglia)`, 'Consultazione dei dati anagrafici', '–'],
      [`${bName} (componente della famiglia)`, 'Consultazione della scheda di famiglia', '–'],
    ]);
    for (const r of rows) assert.match(r[0], /^\d{2}\/\d{2}\/\d{4}, \d{2}:\d{2}$/);
    await audit(aPage, 'accessi');
    assert.deepEqual(csp, []);
    await aCtx.close();
  } finally {
    await second.stop();
  }
});

test('certificates and declarations name whom they concern; a bad e-mail is marked on its field; the footer has the required links', async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await login(page);
  const links = page.getByRole('link', { name: /^Certificazioni per / });
  await links.nth(1).waitFor();
  const member = (await links.nth(1).getAttribute('aria-label')).replace('Certificazioni per ', '');
  await links.nth(1).click();
  await ready(page);
  await page.waitForFunction((n) => document.querySelector('h1').textContent.includes(n), member);
  assert.equal(await page.locator('h1').innerText(), `Certificati per ${member}`);
  assert.equal(await page.locator('#richiedi').innerText(), `Richiedi il certificato per ${member}`);
  assert.match(await page.title(), new RegExp(member));
  await page.goto(`${base}/famiglia.html`);
  await ready(page);
  await page.getByRole('link', { name: `Autocertificazioni per ${member}` }).click();
  await ready(page);
  await page.waitForFunction((n) => document.querySelector('h1').textContent.includes(n), member);
  assert.equal(await page.locator('#prepara').innerText(), `Prepara la dichiarazione per ${member}`);
  // The server's refusal of a bad address lands on the e-mail field, tied to it.
  await page.locator('label[for="consegna-email"]').click();
  await page.getByLabel('Indirizzo e-mail').fill('non-un-indirizzo');
  await page.locator('#prepara').click();
  await page.waitForSelector('#dichiarazione #email[aria-invalid="true"]');
  assert.match(await page.locator('#email').getAttribute('aria-describedby'), /email-errore/);
  assert.match(await page.locator('#email-errore').innerText(), /Indirizzo e-mail non valido/);
  assert.equal(await page.locator('#riepilogo-errori a').getAttribute('href'), '#email');

  // Mio account: a bad address is marked on its field, its message tied to it.
  await page.goto(`${base}/account.html`);
  await ready(page);
  await page.getByLabel('E-mail', { exact: true }).fill('non-un-indirizzo');
  await page.getByRole('button', { name: 'Salva' }).click();
  await page.waitForSelector('#email[aria-invalid="true"]');
  const describedBy = await page.locator('#email').getAttribute('aria-describedby');
  assert.match(await page.locator(`#${describedBy}`).innerText(), /Indirizzo e-mail non valido/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'email');
  await page.getByLabel('E-mail', { exact: true }).fill('mario.rossi@example.org');
  await page.getByRole('button', { name: 'Salva' }).click();
  await page.waitForSelector('#stato .alert-success');
  assert.equal(await page.locator('#email').getAttribute('aria-invalid'), null);

  // The scheda applies its filters as they change and keeps them in the address; deceased
  // members' cards pass axe too.
  await page.goto(`${base}/famiglia.html`);
  await ready(page);
  await page.locator('label[for="mostra-deceduti"]').click();
  await page.waitForURL(/deceased=true/);
  const past = new Date(Date.now() - 400 * 86400000).toISOString().slice(0, 10);
  await page.getByLabel('Situazione alla data').fill(past);
  await page.getByLabel('Situazione alla data').dispatchEvent('change');
  await page.waitForURL((u) => u.searchParams.get('date') === past && u.searchParams.get('deceased') === 'true');
  await page.waitForFunction((d) => document.querySelector('#intestazione-famiglia').textContent.includes(d), `${past.slice(8, 10)}/${past.slice(5, 7)}/${past.slice(0, 4)}`);
  await page.reload();
  await ready(page);
  assert.equal(await page.getByLabel('Situazione alla data').inputValue(), past);
  assert.equal(await page.getByLabel('Mostra deceduti').isChecked(), true);
  await audit(page, 'famiglia-deceduti');
  // The printed scheda names the comune, the date of the situation, the day printed and the address.
  const address = (await page.locator('#indirizzo-famiglia').innerText()).replace(/^Indirizzo: /, '');
  assert.match(address, /^Via|^Viale|^Piazza|^Corso|^Largo|^Vicolo|\d{5}/);
  await page.emulateMedia({ media: 'print' });
  const printed = await page.locator('#stampa-intestazione').innerText();
  assert.equal(await page.locator('#stampa-intestazione').isVisible(), true);
  assert.equal(await page.locator('#filtri').isVisible(), false, 'the filters are not printed');
  assert.match(printed, /^Comune di \S+/);
  assert.ok(printed.includes(`situazione al ${past.slice(8, 10)}/${past.slice(5, 7)}/${past.slice(0, 4)}`), printed);
  assert.ok(printed.includes('stampata il '), printed);
  assert.ok(printed.includes(address), printed);
  await page.emulateMedia({ media: 'screen' });

  // The footer: privacy notice, accessibility statement, legal notes.
  for (const name of ['Informativa privacy', 'Dichiarazione di accessibilità', 'Note legali']) {
    assert.equal(await page.locator('footer').getByRole('link', { name }).count(), 1, name);
  }
  await page.locator('footer').getByRole('link', { name: 'Informativa privacy' }).click();
  await ready(page);
  assert.match(await page.locator('#privacy-rpd').innerText(), /protezione dei dati/);
  await context.close();
});

test('on a phone: the menu opens and closes; the uso is found by typing and chosen with the keyboard; a request without uso is marked on the group', async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await login(page);
  // The header fits one line per zone; the menu is one button until opened.
  const name = await page.locator('.nome-utente').boundingBox();
  const esci = await page.locator('#esci').boundingBox();
  assert.ok(Math.abs((name.y + name.height / 2) - (esci.y + esci.height / 2)) < 4, 'name and "Esci" on one line');
  const menu = page.locator('#apri-menu');
  assert.equal(await menu.getAttribute('aria-expanded'), 'false');
  assert.equal(await page.locator('#voci-menu').getByRole('link', { name: 'I miei certificati' }).isVisible(), false);
  await menu.click();
  assert.equal(await menu.getAttribute('aria-expanded'), 'true');
  assert.equal(await page.locator('#voci-menu').getByRole('link', { name: 'I miei certificati' }).isVisible(), true);
  await page.keyboard.press('Escape');
  assert.equal(await menu.getAttribute('aria-expanded'), 'false');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'apri-menu');
  const firstCard = await page.locator('.scheda-membro').first().boundingBox();
  assert.ok(firstCard.y < 740, `the first household card starts in the first screen (${firstCard.y})`);

  await page.getByRole('link', { name: /^Certificazioni per / }).first().click();
  await ready(page);
  // Sent without an uso: the group is marked, its message tied to it, a summary on top.
  await page.locator('#richiedi').click();
  await page.waitForSelector('#riepilogo-errori .alert-danger');
  assert.match(await page.locator('#scelta-uso-errore').innerText(), /Scegli l'uso/);
  assert.match(await page.locator('#scelta-uso').getAttribute('aria-describedby'), /scelta-uso-errore/);
  assert.equal(await page.locator('#uso-pensioni').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('#riepilogo-errori a').getAttribute('href'), '#cerca-uso');

  // "pens" filters the list to the pension usi; Enter goes to the first, never sends.
  await page.getByLabel("Cerca l'uso").focus();
  await page.keyboard.type('pens');
  const found = await page.locator('#elenco-usi input[name="uso"]:visible').evaluateAll((els) => els.map((e) => e.value));
  assert.deepEqual([...found].sort(), ['pensione_estera', 'pensioni', 'pensioni_guerra']);
  assert.match(await page.locator('#conteggio-usi').innerText(), /^3 usi corrispondono a «pens»/);
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.name), 'uso');
  await page.keyboard.press('Space');
  const first = await page.locator('input[name="uso"]:checked').getAttribute('value');
  await page.keyboard.press('ArrowDown');
  const second = await page.locator('input[name="uso"]:checked').getAttribute('value');
  assert.ok(found.includes(first) && found.includes(second) && first !== second, `${first} then ${second}`);
  const norma = page.locator(`#uso-${second}-norma`);
  assert.equal(await norma.isVisible(), true, 'the chosen uso shows its legal text');
  assert.match(await norma.innerText(), /^Esente da imposta di bollo ai sensi/);
  assert.equal(await page.locator(`#uso-${first}-norma`).isVisible(), false);
  assert.equal(await page.locator('#uso-pensioni').getAttribute('aria-invalid'), null, 'a valid choice clears the error');
  assert.equal(await page.locator('#riepilogo-errori').isHidden(), true);
  assert.equal(await page.locator('#stato').innerText(), '', 'nothing was sent');
  // A word that matches nothing says so and suggests others.
  await page.getByLabel("Cerca l'uso").fill('zzzz');
  assert.match(await page.locator('#conteggio-usi').innerText(), /Nessun uso corrisponde a «zzzz»/);
  await page.getByLabel("Cerca l'uso").fill('');
  await audit(page, 'certificati-uso');
  await context.close();
});
