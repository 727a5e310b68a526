// Anagrafe online – the pages' behaviour. Plain ES modules, no framework: the header runs on
// every page, then the module of the page named by <body data-page>.
import { header } from './header.js';

const pages = {
  accesso: () => import('./pages/accesso.js'),
  famiglia: () => import('./pages/famiglia.js'),
  dettaglio: () => import('./pages/dettaglio.js'),
  certificati: () => import('./pages/certificati.js'),
  autocert: () => import('./pages/autocert.js'),
  miei: () => import('./pages/miei.js'),
  pagamento: () => import('./pages/pagamento.js'),
  accessi: () => import('./pages/accessi.js'),
  account: () => import('./pages/account.js'),
  operatore: () => import('./pages/operatore.js'),
  istanze: () => import('./pages/istanze.js'),
  istanza: () => import('./pages/istanza.js'),
  pratiche: () => import('./pages/pratiche.js'),
  pratica: () => import('./pages/pratica.js'),
  scrivania: () => import('./pages/scrivania.js'),
  'scrivania-pratica': () => import('./pages/scrivania-pratica.js'),
};

async function main() {
  await header();
  const load = pages[document.body.dataset.page];
  if (load) await (await load()).default();
  document.body.dataset.ready = 'true';
}

main().catch((e) => { if (e.message !== 'login required') console.error(e); });
