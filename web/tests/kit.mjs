// What the browser tests share: the local portal started on a free port with its own data
// directory, headless Chromium, logging in through the demo IdP by clicking, and `audit` (axe,
// no horizontal scroll, the first heading in the first screen, screenshots at 1280 and 360 px).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

export const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const bin = process.env.ANAGRAFE_BIN || join(repo, 'target', 'debug', 'anagrafe-local');
export const python = process.env.TEST_PYTHON || join(repo, '.venv', 'bin', 'python');
export const shots = join(repo, 'target', 'screenshots');

export const freePort = () => new Promise((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

/**
 * Starts the local portal (60 demo citizens) and waits until it answers. `env` adds settings,
 * or is a function of the new data directory that returns them (to put files there first).
 * Its log (stdout and stderr, not a terminal: JSON lines) goes to a file that `stop` checks:
 * every line JSON, and no personal data — no demo person's codice fiscale or surname, no
 * e-mail address, none of the `secrets` (PINs, certificate secrets) the test pushed.
 * Answers { base, dataDir, secrets, stop }.
 */
export async function startPortal(env = {}, prefix = 'anagrafe-web-') {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const extra = typeof env === 'function' ? env(dataDir) : env;
  const logPath = `${dataDir}.log`;
  const log = openSync(logPath, 'w');
  const child = spawn(bin, [], {
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, PUBLIC_BASE_URL: base, DEMO_POPULATION: '60', RUST_LOG: 'info', ...extra },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  for (let i = 0; i < 300; i++) {
    try { if ((await fetch(`${base}/api/health/auth`)).ok) break; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  const secrets = [];
  const stop = async () => {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill();
    await exited;
    try { checkLog(logPath, dataDir, secrets); } finally {
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(logPath, { force: true });
    }
  };
  return { base, dataDir, secrets, stop };
}

/** The log of a portal: JSON lines without personal data or secrets. */
function checkLog(logPath, dataDir, secrets) {
  const lines = readFileSync(logPath, 'utf8').split('\n').filter((l) => l.trim());
  for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `not a JSON line: ${line}`);
  const requests = lines.map((l) => JSON.parse(l)).filter((e) => e.message === 'request');
  assert.ok(requests.length > 0 && requests.every((e) => e.route && e.status), 'each request logged with its route and status');
  const text = lines.join('\n');
  const exported = join(dataDir, 'demo-export.jsonl');
  const persons = existsSync(exported) ? readFileSync(exported, 'utf8').split('\n').filter((l) => l.includes('"persona"')).map((l) => JSON.parse(l).persona) : [];
  assert.ok(persons.length > 0, 'the demo population to look for');
  const hits = [];
  for (const p of persons) {
    if (text.includes(p.codice_fiscale)) hits.push(`codice fiscale of ${p.codice_fiscale.slice(0, 3)}…`);
    if (new RegExp(`\\b${p.cognome}\\b`).test(text)) hits.push(`surname ${p.cognome}`);
  }
  const mail = text.match(/[\w.+-]+@[\w-]+\.[\w.-]+/);
  if (mail) hits.push(`e-mail ${mail[0]}`);
  for (const s of secrets.filter(Boolean)) if (text.includes(s)) hits.push('a secret (PIN or certificate secret)');
  assert.deepEqual(hits, [], 'personal data in the log');
}

/** The PIN printed on a certificate. */
export function pinOf(pdfPath) {
  return execFileSync('pdftotext', [pdfPath, '-']).toString().match(/PIN:\s*(\d{10})/)?.[1];
}

export async function launchBrowser() {
  mkdirSync(shots, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function ready(page) {
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
}

/** Collects what the browser reports as Content-Security-Policy violations on the page. */
export function watchCsp(page) {
  const violations = [];
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) violations.push(`${page.url()}: ${msg.text()}`);
  });
  return violations;
}

/** Phone and desktop screens the pages are checked at. */
export const SCREENS = [{ width: 1280, height: 900 }, { width: 360, height: 740 }];

/**
 * axe on the page (WCAG 2.1 A and AA) at 1280 and 360 px; at each width no horizontal scroll
 * (the document is as wide as the screen) and the first heading inside the first screen;
 * screenshots of both.
 */
export async function audit(page, name) {
  await ready(page);
  const restore = page.viewportSize();
  for (const screen of SCREENS) {
    await page.setViewportSize(screen);
    await page.evaluate(() => window.scrollTo(0, 0));
    const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    const found = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
    assert.deepEqual(found, [], `${name} at ${screen.width} px: accessibility violations`);
    const layout = await page.evaluate(() => {
      const h1 = document.querySelector('main h1, h1');
      const box = h1.getBoundingClientRect();
      return { width: document.documentElement.scrollWidth, top: box.top, bottom: box.bottom, shown: box.height > 0 };
    });
    assert.equal(layout.width, screen.width, `${name} at ${screen.width} px: no horizontal scroll`);
    assert.ok(layout.shown && layout.top >= 0 && layout.bottom <= screen.height, `${name} at ${screen.width} px: the first heading in the first screen (${layout.top}–${layout.bottom})`);
    await page.screenshot({ path: join(shots, `${name}-${screen.width}.png`), fullPage: true });
  }
  await page.setViewportSize(restore);
}

/** Logs in from the home page through the demo IdP as its first citizen; answers the codice fiscale. */
export async function login(page, base) {
  await page.goto(`${base}/`);
  await ready(page);
  await page.getByRole('link', { name: 'Accedi ai servizi' }).click();
  await ready(page);
  await page.getByRole('button', { name: 'Entra con SPID' }).click();
  await page.getByRole('link', { name: /IdP demo/ }).click();
  await page.waitForSelector('input[name="fiscalNumber"]');
  const first = page.locator('input[name="fiscalNumber"]').first();
  const cf = await first.getAttribute('value');
  await first.check();
  await page.getByRole('button', { name: 'Accedi' }).click();
  await page.waitForURL(`${base}/famiglia.html`);
  await ready(page);
  return cf;
}

/** Logs in through the demo IdP as the demo citizen `cf` (the first one when absent). */
export async function loginAs(page, site, cf) {
  await page.goto(`${site}/accesso.html`);
  await ready(page);
  await page.getByRole('button', { name: 'Entra con SPID' }).click();
  await page.getByRole('link', { name: /IdP demo/ }).click();
  await page.waitForSelector('input[name="fiscalNumber"]');
  const all = await page.locator('input[name="fiscalNumber"]').evaluateAll((els) => els.map((e) => e.value));
  const chosen = cf || all[0];
  await page.locator(`input[name="fiscalNumber"][value="${chosen}"]`).check();
  await page.getByRole('button', { name: 'Accedi' }).click();
  await page.waitForURL(`${site}/famiglia.html`);
  await ready(page);
  return { cf: chosen, all };
}
