// @vitest-environment node
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOptions } from '../tsup.config';

const src = fileURLToPath(new URL('../src/', import.meta.url));
let out = '';

/** True when the file's first statement (after `"use strict"`) is the `'use client'` directive. */
const startsWithUseClient = (code: string) => /^(?:\s*(['"])use strict\1;?)?\s*(['"])use client\2/.test(code);

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'itutor-react-build-'));
  // The real build options (same entries, formats and flags), without .d.ts to keep the test quick.
  await build({ ...buildOptions(out, { dts: false }), silent: true });
}, 120_000);

afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

describe("'use client' in the build", () => {
  it('survives at the top of the main entry in both ESM and CJS', async () => {
    expect(startsWithUseClient(await readFile(join(out, 'index.js'), 'utf8'))).toBe(true);
    expect(startsWithUseClient(await readFile(join(out, 'index.cjs'), 'utf8'))).toBe(true);
  });

  it('survives at the top of the connect entry in both ESM and CJS', async () => {
    expect(startsWithUseClient(await readFile(join(out, 'connect.js'), 'utf8'))).toBe(true);
    expect(startsWithUseClient(await readFile(join(out, 'connect.cjs'), 'utf8'))).toBe(true);
  });

  it('is absent from the testing entry (a plain module)', async () => {
    expect(await readFile(join(out, 'testing.js'), 'utf8')).not.toMatch(/use client/);
    expect(await readFile(join(out, 'testing.cjs'), 'utf8')).not.toMatch(/use client/);
  });

  it('copies the default stylesheet', async () => {
    expect(await readFile(join(out, 'styles.css'), 'utf8')).toContain("[data-itutor='no-show-dialog']");
  });

  it('keeps react, radix and the core external', async () => {
    const esm = await readFile(join(out, 'index.js'), 'utf8');
    expect(esm).toMatch(/from "react"/);
    expect(esm).toMatch(/from "@radix-ui\/react-dialog"/);
    expect(esm).toMatch(/from "@itutor\/sessions-core\/rules"/);
    expect(esm).not.toMatch(/function differenceInSeconds|zod/);
  });
});

describe('the attendance entry', () => {
  it("starts with 'use client' in both ESM and CJS", async () => {
    expect(startsWithUseClient(await readFile(join(out, 'attendance.js'), 'utf8'))).toBe(true);
    expect(startsWithUseClient(await readFile(join(out, 'attendance.cjs'), 'utf8'))).toBe(true);
  });

  it('imports the main entry by name (one SessionClockProvider context) and the core client, bundling neither', async () => {
    const esm = await readFile(join(out, 'attendance.js'), 'utf8');
    expect(esm).toMatch(/import \{[^}]*useSessionContext[^}]*\} from "@itutor\/sessions-react"/);
    expect(esm).toMatch(/from "@itutor\/sessions-core\/client"/);
    expect(esm).not.toMatch(/function useSessionContext|function createSessionClock|function getSessionAttendance|zod/);
  });

  it('leaves the main entry without the attendance code', async () => {
    expect(await readFile(join(out, 'index.js'), 'utf8')).not.toMatch(/useSessionAttendance|SessionAttendanceStatus|getSessionAttendance/);
  });
});

describe('the disputes entry', () => {
  it("starts with 'use client' in both ESM and CJS", async () => {
    expect(startsWithUseClient(await readFile(join(out, 'disputes.js'), 'utf8'))).toBe(true);
    expect(startsWithUseClient(await readFile(join(out, 'disputes.cjs'), 'utf8'))).toBe(true);
  });

  it('imports the main entry by name (one SessionClockProvider context), the core client and radix, bundling none of them', async () => {
    const esm = await readFile(join(out, 'disputes.js'), 'utf8');
    expect(esm).toMatch(/import \{[^}]*useSessionContext[^}]*\} from "@itutor\/sessions-react"/);
    expect(esm).toMatch(/from "@itutor\/sessions-core\/client"/);
    expect(esm).toMatch(/from "@radix-ui\/react-dialog"/);
    expect(esm).not.toMatch(/function useSessionContext|function createSessionClock|function getDisputeView|function formatMoney|zod/);
  });

  it('leaves the main entry without the dispute code', async () => {
    expect(await readFile(join(out, 'index.js'), 'utf8')).not.toMatch(/useDispute|DisputePanel|OpenDisputeButton|getDisputeView/);
  });
});

describe('the payments and chargebacks entries', () => {
  it.each(['payments', 'chargebacks'])("%s starts with 'use client' in both ESM and CJS", async (entry) => {
    expect(startsWithUseClient(await readFile(join(out, `${entry}.js`), 'utf8'))).toBe(true);
    expect(startsWithUseClient(await readFile(join(out, `${entry}.cjs`), 'utf8'))).toBe(true);
  });

  it('import the main entry by name (one SessionClockProvider context) and the core client, bundling neither', async () => {
    for (const entry of ['payments', 'chargebacks']) {
      const esm = await readFile(join(out, `${entry}.js`), 'utf8');
      expect(esm).toMatch(/import \{[^}]*useSessionContext[^}]*\} from "@itutor\/sessions-react"/);
      expect(esm).toMatch(/from "@itutor\/sessions-core\/client"/);
      expect(esm).not.toMatch(/function useSessionContext|function createSessionClock|function formatMoney|function toSessionError|zod/);
    }
    // The alert dialog is the host's copy of Radix, never bundled; the payment button has no dialog.
    expect(await readFile(join(out, 'chargebacks.js'), 'utf8')).toMatch(/from "@radix-ui\/react-alert-dialog"/);
    expect(await readFile(join(out, 'payments.js'), 'utf8')).not.toMatch(/@radix-ui/);
  });

  it('carry no adapter code at runtime (its types only)', async () => {
    for (const entry of ['payments', 'chargebacks']) expect(await readFile(join(out, `${entry}.js`), 'utf8')).not.toMatch(/sessions-core\/adapter/);
  });

  it('leave the main entry and each other without their code', async () => {
    const index = await readFile(join(out, 'index.js'), 'utf8');
    expect(index).not.toMatch(/useCompletePayment|CompletePaymentButton|useChargebacks|ChargebackPanel/);
    expect(await readFile(join(out, 'payments.js'), 'utf8')).not.toMatch(/Chargeback/);
    expect(await readFile(join(out, 'chargebacks.js'), 'utf8')).not.toMatch(/CompletePayment|startPayment/);
  });
});

describe('the connect entry', () => {
  it('imports the main entry by name instead of bundling a second SessionClockProvider context', async () => {
    const esm = await readFile(join(out, 'connect.js'), 'utf8');
    expect(esm).toMatch(/import \{[^}]*useSessionContext[^}]*\} from "@itutor\/sessions-react"/);
    expect(await readFile(join(out, 'connect.cjs'), 'utf8')).toMatch(/require\("@itutor\/sessions-react"\)/);
    expect(esm).not.toMatch(/function useSessionContext|function createSessionClock|SessionClockProvider/);
  });

  it('leaves the main entry without the connect code', async () => {
    expect(await readFile(join(out, 'index.js'), 'utf8')).not.toMatch(/ConnectVideoProvider|providers\//);
  });
});

describe("'use client' in the sources", () => {
  it('marks exactly the modules that use hooks or context', async () => {
    const files = (await readdir(src)).filter((f) => /\.tsx?$/.test(f));
    const marked: string[] = [];
    for (const file of files) {
      const code = await readFile(join(src, file), 'utf8');
      // The entries re-export client modules, so each is a client boundary itself (and tsup keeps its directive).
      const usesReact = ['index.ts', 'connect.ts', 'attendance.ts', 'disputes.ts', 'payments.ts', 'chargebacks.ts'].includes(file) || /\buse[A-Z]\w*\(|createContext\(/.test(code.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''));
      const hasDirective = startsWithUseClient(code);
      expect.soft(hasDirective, `${file}: 'use client' ${usesReact ? 'missing' : 'not needed'}`).toBe(usesReact);
      if (hasDirective) marked.push(file);
    }
    expect(marked.sort()).toEqual(
      [
        'CancelSessionButton.tsx',
        'ChargebackPanel.tsx',
        'CompletePaymentButton.tsx',
        'ConnectVideoProvider.tsx',
        'DisputePanel.tsx',
        'DisputeSteps.tsx',
        'MarkNoShowButton.tsx',
        'OpenDisputeButton.tsx',
        'ReportTutorAbsentButton.tsx',
        'SessionJoinButton.tsx',
        'action.ts',
        'attendance.ts',
        'chargebacks.ts',
        'connect.ts',
        'context.ts',
        'dispute-parts.tsx',
        'disputes.ts',
        'hooks.ts',
        'index.ts',
        'payments.ts',
        'useChargebacks.ts',
        'useCompletePayment.ts',
        'useDispute.ts',
        'useRescheduleSession.ts',
        'useSessionAttendance.ts',
      ].sort(),
    );
  });
});
