// Constants Vite writes into the bundle (web/vite.config.ts `define`).
/** antd's prebuilt stylesheet's css-var scope, e.g. `css-var-_R_0_` (ADR 0097) */
declare const __ANTD_CSS_VAR_KEY__: string;
