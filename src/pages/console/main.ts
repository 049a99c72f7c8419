/**
 * The admin console (public/admin.html; bundled by esbuild into public/admin/console.js by `npm run build:pages`).
 *
 * Server contract: GET/POST/DELETE /admin/session (HttpOnly cookie; the CSRF token is kept in memory only), every
 * /api/admin/... route with that cookie and, for non-GET, `X-CSRF-Token`; GET /api/admin/console-info.
 */
import { h, render } from 'preact';
import { App } from './shell/app';

const root = document.getElementById('console');
if (root) render(h(App, null), root);
