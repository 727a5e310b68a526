// Builds the static site into web/dist: every page of src/pages inside the common layout,
// the scripts and styles of src/, and Bootstrap Italia's dist files from node_modules.
// Needs nothing but the npm registry (for `npm ci`).
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');
const bi = join(root, 'node_modules', 'bootstrap-italia', 'dist');

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
for (const dir of ['css', 'js', 'fonts', 'svg']) {
  cpSync(join(bi, dir), join(dist, 'vendor', 'bootstrap-italia', dir), { recursive: true });
}
cpSync(join(src, 'js'), join(dist, 'js'), { recursive: true });
cpSync(join(src, 'css'), join(dist, 'css'), { recursive: true });
cpSync(join(src, 'openapi.json'), join(dist, 'openapi.json'));

const layout = readFileSync(join(src, 'layout.html'), 'utf8');
let pages = 0;
for (const file of readdirSync(join(src, 'pages'))) {
  const body = readFileSync(join(src, 'pages', file), 'utf8');
  const title = /<!--\s*title:\s*(.*?)\s*-->/.exec(body)?.[1] ?? 'Servizi Demografici online';
  const page = /<!--\s*page:\s*(.*?)\s*-->/.exec(body)?.[1] ?? file.replace(/\.html$/, '');
  const html = layout.replaceAll('{{title}}', title).replaceAll('{{page}}', page).replace('{{content}}', body);
  writeFileSync(join(dist, file), html);
  pages += 1;
}
console.log(`web/dist: ${pages} pages, Bootstrap Italia assets copied`);
