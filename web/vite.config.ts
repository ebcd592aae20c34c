// The dashboard's Vite build (ADR 0095): web/ → dist/web/ with hashed assets, run by scripts/build.mjs
// through Vite's API. `node:crypto` is aliased to the @noble-backed shim so the funder kit's
// verification code (src/ledger/verify.ts) is bundled as it is, not copied (ADR 0096).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type UserConfig } from 'vite';

export const WEB_ROOT = fileURLToPath(new URL('.', import.meta.url));
export const BROWSER_ALIASES = {
  'node:crypto': fileURLToPath(new URL('./src/shims/node-crypto.ts', import.meta.url)),
};

/** Browsers of the last few years (Chromium 111+, Safari 16.4+, Firefox 114+): antd 6's own floor. */
export const BROWSER_TARGET = ['chrome111', 'safari16.4', 'firefox114', 'edge111'];

export const dashboardConfig: UserConfig = {
  root: WEB_ROOT,
  base: '/',
  // the service answers every request; nothing is fetched from anywhere else at run time
  publicDir: false,
  logLevel: 'warn',
  plugins: [react()],
  resolve: { alias: BROWSER_ALIASES },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: BROWSER_TARGET,
    sourcemap: false,
    // antd's stylesheet alone is ~1 MB before gzip; the chunk report in scripts/build.mjs says what it is
    chunkSizeWarningLimit: 2048,
    rolldownOptions: {
      output: {
        // React and antd change rarely: their own chunks stay cached across releases. ECharts and the
        // ledger verifier are reached only through lazily loaded pages, so they split off by themselves.
        codeSplitting: {
          groups: [
            {
              name: 'react',
              test: /node_modules[\\/](react|react-dom|scheduler|react-router|react-router-dom)[\\/]/,
            },
          ],
        },
      },
    },
  },
};

export default defineConfig(dashboardConfig);
