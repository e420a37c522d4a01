import { expect } from 'vitest';

/** What a PDF reader checks first, read back from the bytes: every claim below is computed independently of the writer. */
export function readPdf(bytes: Uint8Array) {
  expect([...bytes].every((b) => b < 128)).toBe(true);
  const text = new TextDecoder('latin1').decode(bytes);
  expect(text.startsWith('%PDF-1.4\n')).toBe(true);
  expect(text.endsWith('%%EOF\n')).toBe(true);
  const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(text)![1]);
  expect(text.slice(startxref, startxref + 5)).toBe('xref\n');
  const [, first, count] = /^xref\n(\d+) (\d+)\n/.exec(text.slice(startxref))!;
  expect(first).toBe('0');
  const entries = text.slice(startxref).split('\n').slice(2, 2 + Number(count));
  expect(entries[0]).toBe('0000000000 65535 f ');
  // Each in-use entry: 20 bytes with its line end, and its offset points at "n 0 obj".
  entries.slice(1).forEach((entry, i) => {
    expect(entry).toMatch(/^\d{10} 00000 n $/);
    const offset = Number(entry.slice(0, 10));
    expect(text.slice(offset, offset + `${i + 1} 0 obj\n`.length)).toBe(`${i + 1} 0 obj\n`);
  });
  const trailer = /trailer\n<< \/Size (\d+) \/Root (\d+) 0 R/.exec(text)!;
  expect(Number(trailer[1])).toBe(Number(count));
  // Every stream's /Length is its byte length.
  const streams = [...text.matchAll(/<< \/Length (\d+) >>\nstream\n/g)];
  for (const match of streams) {
    const start = match.index + match[0].length;
    expect(text.slice(start + Number(match[1]), start + Number(match[1]) + 'endstream'.length)).toBe('endstream');
  }
  const pageObjects = text.match(/\/Type \/Page /g)?.length ?? 0;
  const pagesCount = Number(/\/Type \/Pages \/Kids \[[^\]]*\] \/Count (\d+)/.exec(text)![1]);
  expect(pageObjects).toBe(pagesCount);
  // The strings shown (Tj), unescaped, with where they are placed.
  const shown = [...text.matchAll(/\/(F[12]) ([\d.]+) Tf ([\d.]+) ([\d.]+) Td \(((?:\\.|[^\\)])*)\) Tj/g)].map((m) => ({
    font: m[1]!,
    size: Number(m[2]),
    x: Number(m[3]),
    y: Number(m[4]),
    raw: m[5]!,
    text: m[5]!.replace(/\\([0-7]{3}|.)/g, (_, e: string) => (e.length === 3 ? String.fromCharCode(parseInt(e, 8)) : e)),
  }));
  return { text, pages: pagesCount, streams: streams.length, shown };
}
