// Files attached to an application: uploaded as soon as they are chosen (the raw bytes with
// their type), listed with name and size, removable; a refusal is marked on the field.
import { api, busy, el, fieldError, notice } from '../lib.js';
import { size } from './istanze-formato.js';

/** Uploads `file` for the application's `field`; answers { ok, status, data } like `api`. */
export async function upload(appId, field, file, csrf) {
  const q = new URLSearchParams({ field, name: file.name });
  try {
    const res = await fetch(`/api/istanze/${encodeURIComponent(appId)}/allegati?${q}`, {
      method: 'POST', body: file, credentials: 'same-origin',
      headers: { 'Content-Type': file.type || 'application/octet-stream', 'X-CSRF-Token': csrf, Accept: 'application/json' },
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok && !data.message) data.message = res.status === 413 ? 'Il file è troppo grande.' : 'Il caricamento non è riuscito: riprova.';
    return { ok: res.ok, status: res.status, data };
  } catch {
    return { ok: false, status: 0, data: { message: 'Connessione non riuscita: il file non è stato caricato. Controlla la rete e riprova.' } };
  }
}

const ACCEPT = { pdf: '.pdf,application/pdf', jpeg: '.jpg,.jpeg,image/jpeg', png: '.png,image/png' };

/**
 * The control of an attachment field: label, file input, help, the files attached. `files` are
 * the current attachments; `multiple` adds each new file (an answer's documents) instead of
 * replacing the one attached. `onChange(files)` runs after each upload or removal.
 */
export function attachmentControl({ domId, field, label, help, formats = [], appId, csrf, files = [], multiple = false, describedBy = [], onChange = () => {} }) {
  let current = [...files];
  let uploading = false;
  const input = el('input', {
    class: 'form-control', type: 'file', id: domId, accept: formats.map((f) => ACCEPT[f]).filter(Boolean).join(',') || undefined,
    'aria-describedby': [`${domId}-aiuto`, ...describedBy].join(' '),
  });
  const status = el('div', { class: 'mt-2', id: `${domId}-stato` });
  const list = el('ul', { class: 'elenco-file', id: `${domId}-file` });
  const render = () => {
    list.hidden = !current.length;
    list.replaceChildren(...current.map((a) => el('li', {},
      el('span', { class: 'nome-file' }, a.name), ' ', el('span', { class: 'text-muted' }, `(${size(a.size)})`), ' ',
      el('button', { type: 'button', class: 'btn btn-outline-primary btn-xs', 'data-remove': a.id },
        'Rimuovi', el('span', { class: 'visually-hidden' }, ` il file ${a.name}`)))));
  };
  input.addEventListener('change', async () => {
    const file = input.files[0];
    if (!file || uploading) return;
    uploading = true;
    fieldError(domId, null);
    busy(status, `Caricamento di «${file.name}» (${size(file.size)}) in corso…`);
    const r = await upload(appId, field, file, csrf).finally(() => { uploading = false; });
    input.value = '';
    if (!r.ok) { status.replaceChildren(); fieldError(domId, r.data.message); return; }
    const a = r.data.attachment;
    current = multiple ? [...current, a] : [a];
    render();
    onChange(current);
    notice(status, 'success', `File «${a.name}» caricato (${size(a.size)}).`);
  });
  list.addEventListener('click', async (ev) => {
    const button = ev.target.closest('button[data-remove]');
    if (!button) return;
    const a = current.find((x) => x.id === button.dataset.remove);
    busy(status, `Rimozione di «${a.name}»…`);
    const r = await api(`/api/istanze/${encodeURIComponent(appId)}/allegati/${encodeURIComponent(a.id)}`, { method: 'DELETE', csrf });
    if (!r.ok && r.status !== 404) { notice(status, 'danger', r.data.message); return; }
    current = current.filter((x) => x.id !== a.id);
    render();
    onChange(current);
    input.focus();
    notice(status, 'info', `File «${a.name}» rimosso.`);
  });
  render();
  return el('div', { class: 'campo-allegato' },
    el('label', { class: 'form-label', for: domId }, label),
    input,
    el('small', { class: 'form-text', id: `${domId}-aiuto` }, help),
    el('div', { class: 'invalid-feedback', id: `${domId}-errore` }),
    list, status);
}
