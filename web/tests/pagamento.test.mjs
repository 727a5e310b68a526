// "Paga il bollo online" in headless Chromium on a phone: a citizen asks for a certificate in
// bollo, pays the marca da bollo digitale through the local pagoPA stand-in, comes back and
// downloads it; pyHanko accepts it and the verification page shows the @e.bollo receipt. A
// second request is cancelled at the checkout: the citizen reads why, nothing is served and
// the verification finds nothing. An application with a fee: cancelled at the checkout it is a
// draft again; sent again and paid, it is presented with the payment on its page. axe on the
// new pages.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { audit, launchBrowser, loginAs, pinOf, python, ready, repo, startPortal, watchCsp } from './kit.mjs';

const PHONE = { width: 360, height: 740 };
let browser, portal;

before(async () => {
  browser = await launchBrowser();
  portal = await startPortal({}, 'anagrafe-web-pagamento-');
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

/** From the household page to a residence certificate for private use, bollo paid online. */
async function askOnline(page) {
  await page.goto(`${portal.base}/famiglia.html`);
  await ready(page);
  await page.getByRole('link', { name: /^Certificazioni per / }).first().click();
  await ready(page);
  await page.getByLabel('Certificato', { exact: true }).selectOption({ label: 'Certificato di residenza' });
  await page.getByLabel("Cerca l'uso").fill('privato');
  await page.locator('label[for="uso-uso_privato"]').click();
  assert.equal(await page.locator('#bollo-online').isChecked(), true, 'paying online is the default');
  assert.equal(await page.locator('#campi-marca').isHidden(), true);
  await page.getByRole('button', { name: /^Richiedi il certificato/ }).click();
  await page.waitForURL(/\/pagopa\/checkout\//);
  assert.match(await page.locator('h1').innerText(), /Paga € 16,00/);
}

test('a certificate in bollo paid online, then one cancelled', async () => {
  const ctx = await browser.newContext({ viewport: PHONE, acceptDownloads: true });
  const page = await ctx.newPage();
  const csp = watchCsp(page);
  await loginAs(page, portal.base);

  await askOnline(page);
  await page.locator('label:has-text("Banca di Prova")').click();
  await page.getByRole('button', { name: /^Paga/ }).click();
  await page.waitForURL(/\/pagamento\.html\?certificato=.*&esito=ok/);
  await page.waitForSelector('.alert-success');
  assert.match(await page.locator('#esito').innerText(), /Pagamento ricevuto/);
  assert.match(await page.locator('#dettagli').innerText(), /Imposta di bollo – certificato/);
  await audit(page, 'pagamento-riuscito');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Scarica il certificato' }).click()]);
  const pdfPath = join(portal.dataDir, 'pagato.pdf');
  await download.saveAs(pdfPath);
  const text = execFileSync('pdftotext', [pdfPath, '-']).toString().replace(/\s+/g, ' ');
  assert.match(text, /assolta mediante marca da bollo digitale/);
  const pyhanko = execFileSync(join(dirname(python), 'pyhanko'), ['sign', 'validate', '--trust', join(portal.dataDir, 'signer', 'ca.pem'), '--trust-replace', pdfPath]).toString();
  assert.match(pyhanko, /INTACT:TRUSTED/);

  // The verification page from the QR code shows the receipt and that it names this PDF.
  const prefix = join(portal.dataDir, 'pagato');
  execFileSync('pdftoppm', ['-r', '150', '-png', pdfPath, prefix]);
  const link = execFileSync(python, [join(repo, 'tests', 'python', 'decode_qr.py'), `${prefix}-1.png`]).toString().trim();
  portal.secrets.push(pinOf(pdfPath), new URL(link).searchParams.get('k'));
  await page.goto(link);
  const shown = await page.locator('.dati').innerText();
  assert.match(shown, /Marca da bollo digitale \(@e\.bollo\) IUBD \d{14}, acquistata tramite pagoPA presso Banca di Prova S\.p\.A\./);
  assert.match(shown, /corrisponde a quella dell'originale/);
  await page.evaluate(() => { document.body.dataset.ready = 'true'; });
  await audit(page, 'verifica-bollo-digitale');

  // A second request, cancelled at the checkout.
  await askOnline(page);
  await page.evaluate(() => { document.body.dataset.ready = 'true'; });
  await audit(page, 'pagopa-checkout');
  await page.getByRole('button', { name: 'Annulla' }).click();
  await page.waitForURL(/esito=annullato/);
  await page.waitForSelector('#esito .alert');
  assert.match(await page.locator('#esito').innerText(), /Pagamento annullato: il certificato non è stato rilasciato/);
  await page.getByRole('link', { name: 'Richiedi di nuovo il certificato' }).waitFor();
  await audit(page, 'pagamento-annullato');
  const id = new URL(page.url()).searchParams.get('certificato');
  const served = await page.evaluate(async (i) => (await fetch(`/api/certificates/${i}/pdf`)).status, id);
  assert.equal(served, 404, 'the cancelled certificate is not served');
  await page.goto(`${portal.base}/verifica`);
  await page.getByLabel(/ID del certificato o PIN/).fill(id);
  const names = readFileSync(join(portal.dataDir, 'demo-export.jsonl'), 'utf8').split('\n').find((l) => l.includes('"persona"'));
  const p = JSON.parse(names).persona;
  await page.getByLabel('Cognome').fill(p.cognome);
  await page.getByLabel('Nome', { exact: true }).fill(p.nome);
  await page.getByRole('button', { name: /Verifica/ }).click();
  await page.waitForLoadState();
  assert.match(await page.locator('main').innerText(), /Nessun certificato corrisponde ai dati inseriti/);

  // I miei certificati tells one from the other.
  await page.goto(`${portal.base}/miei-certificati.html`);
  await ready(page);
  await page.waitForSelector('#tabella-certificati tbody tr');
  const rows = await page.locator('#tabella-certificati tbody').innerText();
  assert.match(rows, /Pagamento annullato/);
  assert.match(rows, /In bollo/);
  await audit(page, 'miei-certificati-pagamenti');
  assert.deepEqual(csp, [], 'no CSP violations');
  await ctx.close();
});

/** From the services' list to the historical certificate's request, every answer given, its summary shown. */
async function fillStorico(page) {
  await page.goto(`${portal.base}/istanze.html`);
  await page.waitForSelector('.scheda-servizio');
  await page.getByRole('button', { name: /^Compila la domanda\s*: Certificato storico o ricerca d'archivio$/ }).click();
  await page.waitForURL(/\/istanza\.html\?id=/);
  await ready(page);
  await page.getByLabel('Che cosa chiedi').selectOption('residenza_storica');
  await page.getByLabel('Uso', { exact: true }).selectOption('successione');
  await page.getByRole('button', { name: 'Avanti' }).click();
  await page.waitForSelector('#passo-titolo:not([hidden])');
  const email = page.getByLabel('E-mail per le comunicazioni');
  if (!(await email.inputValue())) await email.fill('erede@example.it');
  await page.getByRole('button', { name: 'Avanti' }).click();
  await page.waitForSelector('#passo-riepilogo:not([hidden])');
  assert.match(await page.locator('#riepilogo').innerText(), /Dopo l'invio paghi on line con pagoPA .* la domanda è presentata all'ufficio appena il pagamento è confermato/);
  assert.match(await page.locator('#riepilogo').innerText(), /Costo: € 10,00/);
}

test('an application with a fee, cancelled at the checkout, then sent again and paid', async () => {
  const ctx = await browser.newContext({ viewport: PHONE });
  const page = await ctx.newPage();
  const csp = watchCsp(page);
  await loginAs(page, portal.base);

  await fillStorico(page);
  await audit(page, 'istanza-con-diritti-riepilogo');
  await page.getByRole('button', { name: 'Invia e paga con pagoPA' }).click();
  await page.waitForURL(/\/pagopa\/checkout\//);
  assert.match(await page.locator('h1').innerText(), /Paga € 10,00/);
  await page.getByRole('button', { name: 'Annulla' }).click();
  await page.waitForURL(/\/pagamento\.html\?pratica=.*&esito=annullato/);
  await page.waitForSelector('#esito .alert');
  assert.match(await page.locator('#esito').innerText(), /Pagamento annullato: la domanda non è stata presentata e non ti è stato addebitato nulla/);
  assert.equal(await page.locator('#titolo-pagamento').innerText(), 'Pagamento della pratica');
  await audit(page, 'pagamento-pratica-annullato');
  const id = new URL(page.url()).searchParams.get('pratica');
  const draft = await page.evaluate(async (i) => (await (await fetch(`/api/istanze/${i}`)).json()), id);
  assert.equal(draft.state, 'bozza', 'a draft again');

  // Back to the draft, its answers kept; sent again and paid.
  await page.getByRole('link', { name: 'Torna alla domanda e inviala di nuovo' }).click();
  await page.waitForURL(/\/istanza\.html\?id=/);
  await ready(page);
  assert.equal(await page.getByLabel('Che cosa chiedi').inputValue(), 'residenza_storica');
  for (const step of ['titolo', 'riepilogo']) {
    await page.getByRole('button', { name: 'Avanti' }).click();
    await page.waitForSelector(`#passo-${step}:not([hidden])`);
  }
  await page.getByRole('button', { name: 'Invia e paga con pagoPA' }).click();
  await page.waitForURL(/\/pagopa\/checkout\//);
  await page.locator('label:has-text("Banca di Prova")').click();
  await page.getByRole('button', { name: /^Paga/ }).click();
  await page.waitForURL(/\/pagamento\.html\?pratica=.*&esito=ok/);
  await page.waitForSelector('#esito .alert-success');
  assert.match(await page.locator('#esito').innerText(), /Pagamento ricevuto: la domanda è stata presentata e protocollata/);
  assert.match(await page.locator('#dettagli').innerText(), /Diritti di ricerca d'archivio anagrafico/);
  await audit(page, 'pagamento-pratica-riuscito');
  await page.getByRole('link', { name: 'Vai alla pratica e alla ricevuta' }).click();
  await page.waitForURL(/\/pratica\.html\?id=/);
  await page.waitForSelector('.sintesi-pratica');
  const facts = (await page.locator('.sintesi-pratica').innerText()).replace(/\s+/g, ' ');
  assert.match(facts, /Inviata e protocollata/);
  assert.match(facts, /Protocollo n\. \d{4}\/\d{7}/);
  assert.match(facts, /Importo pagato € 10,00 — Diritti di ricerca d'archivio anagrafico .*: pagato con pagoPA il .* \(Banca di Prova S\.p\.A\., ricevuta n\. /);
  const timeline = await page.locator('#cronologia').innerText();
  assert.match(timeline, /Pagamento non effettuato: la domanda è tornata in bozza[\s\S]*Pagamento ricevuto: domanda presentata[\s\S]*Protocollata/);
  await page.evaluate(() => { document.body.dataset.ready = 'true'; });
  await audit(page, 'pratica-pagata');
  assert.deepEqual(csp, [], 'no CSP violations');
  await ctx.close();
});
