// The console is static files the proxy serves under /ui/: relative asset URLs (so a reverse proxy
// may mount it under any prefix), no module-preload polyfill (no inline script: the proxy sends a
// strict Content-Security-Policy), and two pages — the login form, reachable without a key, and
// the app, served only to a signed-in session.
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist/ui',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    rolldownOptions: { input: { index: 'index.html', login: 'login.html' } },
  },
});
