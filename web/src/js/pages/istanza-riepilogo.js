// The Riepilogo of a draft: every answer by its label with a "Modifica" link back to its step,
// what happens after sending (the legal term, the fee).
import { el } from '../lib.js';
import { answers, euro, term } from './istanze-formato.js';

export function summaryStep(target, { service, view, edit }) {
  const editLink = (step, i) => {
    const a = el('a', { href: `#passo-${step.id}`, class: 'modifica' }, 'Modifica', el('span', { class: 'visually-hidden' }, ` «${step.title}»`));
    a.addEventListener('click', (ev) => { ev.preventDefault(); edit(i); });
    return a;
  };
  target.replaceChildren(
    el('div', { class: 'alert alert-info' }, el('p', { class: 'mb-0' },
      'Controlla le risposte prima di inviare: le informazioni che hai indicato hanno valore di dichiarazione e le dichiarazioni false sono punite dalla legge (art. 76 D.P.R. 445/2000).')),
    ...answers(service.steps, view, { edit: editLink }),
    el('h3', { class: 'h5 mt-4' }, "Dopo l'invio"),
    service.fee
      ? el('p', {}, 'Dopo l\'invio paghi on line con pagoPA (carta, conto, app IO) o con l\'avviso di pagamento: la domanda è presentata all\'ufficio appena il pagamento è confermato, e allora ricevi il numero di protocollo e la ricevuta in PDF. ', `${service.office}: termine ${term(service.due)} dalla presentazione (${service.due.law}).`)
      : el('p', {}, `Ricevi subito il numero di protocollo e la ricevuta in PDF. ${service.office}: termine ${term(service.due)} (${service.due.law}).`),
    service.confirmation ? el('p', {}, `Accertamenti: ${term(service.confirmation)} (${service.confirmation.law}).`) : '',
    service.fee ? el('p', {}, el('strong', {}, `Costo: ${euro(service.fee.cents)}`), ` — ${service.fee.reason}.`) : '');
}
