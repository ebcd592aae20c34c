// Types of build-web.mjs for the TypeScript callers (the browser tests, the benchmark).
export interface DashboardAsset {
  /** file name under assets/ (content-hashed) */
  name: string;
  bytes: number;
  gzipBytes: number;
}

/** Build web/ into `outDir`; returns each emitted asset with its raw and gzip sizes in bytes. */
export function buildDashboard(outDir: string, options?: { quiet?: boolean }): Promise<DashboardAsset[]>;
