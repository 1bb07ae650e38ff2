/**
 * The front end's files: the page, its script and style from the package's `public/` folder,
 * and Preact, its hooks and htm from their own installed packages (never a CDN). Read once, at
 * start; the page's import map names them, and the page's Content-Security-Policy allows that
 * one inline script by its hash.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file the server answers with. */
export interface Asset {
  readonly body: string;
  readonly type: string;
}

/** The page and everything it loads, by URL path; and the policy the page is served with. */
export interface Assets {
  readonly files: ReadonlyMap<string, Asset>;
  readonly contentSecurityPolicy: string;
}

const JS = 'text/javascript; charset=utf-8';

/** Reads the front end's files. */
export function loadAssets(): Assets {
  const here = dirname(fileURLToPath(import.meta.url));
  const publicDir = join(here, '..', 'public');
  const require = createRequire(import.meta.url);
  const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));
  const read = (path: string) => readFileSync(path, 'utf8');
  const importMap = JSON.stringify({
    imports: {
      preact: '/assets/vendor/preact.mjs',
      'preact/hooks': '/assets/vendor/hooks.mjs',
      htm: '/assets/vendor/htm.mjs',
    },
  });
  const mapHash = createHash('sha256').update(importMap).digest('base64');
  const page = read(join(publicDir, 'index.html')).replace(
    /<!-- IMPORT_MAP:[^>]*-->/,
    `<script type="importmap">${importMap}</script>`,
  );
  const files = new Map<string, Asset>([
    ['/', { body: page, type: 'text/html; charset=utf-8' }],
    ['/assets/app.js', { body: read(join(publicDir, 'app.js')), type: JS }],
    ['/assets/style.css', { body: read(join(publicDir, 'style.css')), type: 'text/css; charset=utf-8' }],
    ['/assets/vendor/preact.mjs', { body: read(join(packageDir('preact'), 'dist', 'preact.mjs')), type: JS }],
    [
      '/assets/vendor/hooks.mjs',
      { body: read(join(packageDir('preact'), 'hooks', 'dist', 'hooks.mjs')), type: JS },
    ],
    // htm's exports map has no ./package.json; its main file sits beside the module build.
    [
      '/assets/vendor/htm.mjs',
      { body: read(join(dirname(require.resolve('htm')), 'htm.module.js')), type: JS },
    ],
  ]);
  const contentSecurityPolicy = [
    "default-src 'self'",
    `script-src 'self' 'sha256-${mapHash}'`,
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { files, contentSecurityPolicy };
}
