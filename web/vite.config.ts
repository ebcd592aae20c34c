// The dashboard's Vite build (ADR 0095): web/ → dist/web/ with hashed assets, run by scripts/build.mjs
// through Vite's API. `node:crypto` is aliased to the @noble-backed shim so the funder kit's
// verification code (src/ledger/verify.ts) is bundled as it is, not copied (ADR 0099).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin, type UserConfig } from 'vite';

export const WEB_ROOT = fileURLToPath(new URL('.', import.meta.url));
export const BROWSER_ALIASES = {
  'node:crypto': fileURLToPath(new URL('./src/shims/node-crypto.ts', import.meta.url)),
};

/**
 * The CSS-variable scope antd's prebuilt stylesheet declares its design tokens under (ADR 0097):
 * `.css-var-<key>{--ant-blue:…}` and `.css-var-<key>.ant-btn{…}` for every component. The app's
 * ConfigProvider uses the same key, so the variables come from that stylesheet and none has to be
 * written at run time. Read from the installed antd, so an upgrade that changes it is followed.
 */
export function antdCssVarKey(): string {
  const css = readFileSync(createRequire(import.meta.url).resolve('antd/dist/antd.css'), 'utf8');
  const counts = new Map<string, number>();
  for (const [, key] of css.matchAll(/\.(css-var-[A-Za-z0-9_-]+)\.ant-/g))
    counts.set(key!, (counts.get(key!) ?? 0) + 1);
  const [best] = [...counts].sort((a, b) => b[1] - a[1]);
  if (!best || !css.includes(`.${best[0]}{--ant-blue:`))
    throw new Error('antd/dist/antd.css declares no css-var scope with the design tokens');
  return best[0];
}

const SCROLLBAR_SHIM = fileURLToPath(new URL('./src/shims/scrollbar-size.ts', import.meta.url));

/**
 * `@rc-component/util`'s getScrollBarSize writes a <style> element on every Table mount, which the
 * CSP refuses; its module, however it is reached (the package index or a deep import), resolves to
 * a shim that measures without one (web/src/shims/scrollbar-size.ts, ADR 0097).
 */
function cspSafeScrollbarMeasure(): Plugin {
  const inUtil = /[\\/]@rc-component[\\/]util[\\/](es|lib)[\\/]/;
  return {
    name: 'shoujia:csp-safe-scrollbar-measure',
    enforce: 'pre',
    resolveId(source, importer) {
      if (/^@rc-component\/util\/(es|lib)\/getScrollBarSize(\.js)?$/.test(source)) return SCROLLBAR_SHIM;
      if (importer && inUtil.test(importer) && /^\.\/getScrollBarSize(\.js)?$/.test(source))
        return SCROLLBAR_SHIM;
      return null;
    },
  };
}

/** Browsers of the last few years (Chromium 111+, Safari 16.4+, Firefox 114+): antd 6's own floor. */
export const BROWSER_TARGET = ['chrome111', 'safari16.4', 'firefox114', 'edge111'];

export const dashboardConfig: UserConfig = {
  root: WEB_ROOT,
  base: '/',
  // the service answers every request; nothing is fetched from anywhere else at run time
  publicDir: false,
  logLevel: 'warn',
  plugins: [cspSafeScrollbarMeasure(), react()],
  resolve: { alias: BROWSER_ALIASES },
  define: { __ANTD_CSS_VAR_KEY__: JSON.stringify(antdCssVarKey()) },
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
