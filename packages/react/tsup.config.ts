import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Build options, shared with the test that builds into a temporary folder and checks the output.
 * No `splitting` and no `treeshake`: that is what keeps the main entry's `'use client'` at the top of
 * both `index.js` and `index.cjs` (esbuild keeps a directive only at the top of an entry file). The
 * `testing` entry (a manual clock) is a plain module and gets no directive. The `connect` entry
 * (`ConnectVideoProvider`) is a client module too; it imports the main entry by the package's own name
 * (external), so both share one `SessionClockProvider` context instead of each bundling a copy; so does
 * the `attendance` entry (`useSessionAttendance`, `SessionAttendanceStatus`) and the `disputes` entry
 * (`useDispute`, `OpenDisputeButton`, `DisputePanel`), the `payments` entry (`useCompletePayment`,
 * `CompletePaymentButton`) and the `chargebacks` entry (`useChargebacks`, `ChargebackPanel`).
 */
export function buildOptions(outDir: string, extra: Partial<Options> = {}): Options {
  return {
    entry: {
      index: here('./src/index.ts'),
      testing: here('./src/testing.ts'),
      connect: here('./src/connect.ts'),
      attendance: here('./src/attendance.ts'),
      disputes: here('./src/disputes.ts'),
      payments: here('./src/payments.ts'),
      chargebacks: here('./src/chargebacks.ts'),
    },
    outDir,
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: false,
    splitting: false,
    treeshake: false,
    target: 'es2022',
    platform: 'neutral',
    external: ['react', 'react-dom', 'react/jsx-runtime', /^@radix-ui\//, /^@itutor\/sessions-core/, /^@itutor\/sessions-react/],
    tsconfig: here('../../tsconfig.json'),
    async onSuccess() {
      await mkdir(outDir, { recursive: true });
      await copyFile(here('./src/styles.css'), `${outDir}/styles.css`);
    },
    ...extra,
  };
}

export default defineConfig(buildOptions(here('./dist')));
