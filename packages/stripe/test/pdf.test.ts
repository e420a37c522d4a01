import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pdfString, textPdf, toWinAnsi, type PdfDocument } from '../src/pdf';
import { readPdf } from './pdf-reader';

const doc = (sections: PdfDocument['sections'], title = 'Dispute evidence'): PdfDocument => ({ title, sections, footer: 'Dispute dp_1' });
const body = (shown: ReturnType<typeof readPdf>['shown']) => shown.filter((s) => s.font === 'F1' && s.size === 10).map((s) => s.text);

describe('textPdf: a minimal PDF 1.4 writer', () => {
  it('a well-formed file: header, objects at the offsets the xref table names, stream lengths, trailer; title, headings and text shown', () => {
    const pdf = readPdf(textPdf(doc([{ heading: 'Service date', text: '2031-03-04' }, { heading: 'What was sold', text: 'A lesson.\nOn Zoom.' }])));
    expect(pdf.pages).toBe(1);
    expect(pdf.shown.map((s) => [s.font, s.size, s.text])).toEqual([
      ['F2', 16, 'Dispute evidence'],
      ['F2', 11, 'Service date'],
      ['F1', 10, '2031-03-04'],
      ['F2', 11, 'What was sold'],
      ['F1', 10, 'A lesson.'],
      ['F1', 10, 'On Zoom.'],
      ['F1', 8, 'Dispute dp_1 - page 1 of 1'],
    ]);
    expect(pdf.text).toContain('/Title (Dispute evidence)');
    expect(pdf.text).toContain('/MediaBox [0 0 595.28 841.89]');
    expect(pdf.text).toContain('/BaseFont /Helvetica /Encoding /WinAnsiEncoding');
    // Top to bottom, inside the margins.
    const ys = pdf.shown.map((s) => s.y);
    expect(ys).toEqual([...ys].sort((a, b) => b - a));
    expect(pdf.shown.every((s) => s.x === 56 && s.y < 841.89 - 56)).toBe(true);
  });

  it('long text is wrapped at spaces within the width (Helvetica metrics) and paginated; every page numbered', () => {
    // 'W' is 944/1000 em, 'i' 222/1000: at 10 pt in 483.28 pt, at most 51 and 217 a line.
    const wide = body(readPdf(textPdf(doc([{ heading: 'W', text: 'W'.repeat(200) }]))).shown);
    expect(wide.map((l) => l.length)).toEqual([51, 51, 51, 47]);
    const narrow = body(readPdf(textPdf(doc([{ heading: 'i', text: 'i'.repeat(500) }]))).shown);
    expect(narrow.map((l) => l.length)).toEqual([217, 217, 66]);
    const paragraphs = Array.from({ length: 400 }, (_, i) => `Line ${i + 1}: the student joined at 15:0${i % 10}.`);
    const pdf = readPdf(textPdf(doc([{ heading: 'Log', text: paragraphs.join('\n') }])));
    expect(body(pdf.shown)).toEqual(paragraphs);
    // A page holds 729.89 pt between the margins: 56 lines of 13 pt; the first 52 below the title (22 pt), a gap
    // (8 pt) and the heading (16 pt). 400 lines: 52 + 6 × 56 = 388, then 12 on an eighth page.
    expect(pdf.pages).toBe(8);
    expect(pdf.streams).toBe(8);
    expect(pdf.shown.filter((s) => s.size === 8).map((s) => s.text)).toEqual(Array.from({ length: 8 }, (_, i) => `Dispute dp_1 - page ${i + 1} of 8`));
    const pageStarts = pdf.shown.filter((s) => s.font === 'F1' && s.size === 10 && s.y > 770).length;
    expect(pageStarts).toBe(7);
    expect(pdf.shown.filter((s) => s.size !== 8).every((s) => s.y >= 56)).toBe(true);
  });

  it('a heading is not left alone at the foot of a page: it starts the next page with its first line', () => {
    // Page 1 after the title, a gap and a heading: 683.89 pt; 50 lines leave 33.89, a gap 25.89: room for the
    // heading (16 pt) but not for it and its first line (29 pt).
    const pdf = readPdf(textPdf(doc([{ heading: 'First', text: Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n') }, { heading: 'Second', text: 'after' }])));
    expect(pdf.pages).toBe(2);
    const second = pdf.shown.find((s) => s.text === 'Second')!;
    const after = pdf.shown.find((s) => s.text === 'after')!;
    expect(second.y).toBeGreaterThan(770);
    expect(after.y).toBeLessThan(second.y);
    expect(after.y).toBeGreaterThan(750);
  });

  it('words are never lost or reordered: the lines joined again give the paragraph back (property)', () => {
    const word = fc.stringMatching(/^[!-~]{1,30}$/);
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 120 }), (words) => {
        const paragraph = words.join(' ');
        const lines = body(readPdf(textPdf(doc([{ heading: 'h', text: paragraph }]))).shown);
        expect(lines.join(' ')).toBe(paragraph);
        // Greedy: no line could have taken the next line's first word (at most 483 pt, 'W' wide at most).
        expect(lines.every((l) => l.length <= 217)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('PDF string escaping: \\ ( ) escaped; Latin-1 and WinAnsi marks as octal; anything else replaced by ?', () => {
    expect(toWinAnsi('é…–’€→😀\u0007\tx')).toBe(`\u00e9\u0085\u0096\u0092\u0080???    x`);
    expect(pdfString('a\\b (c) \u00e9\u0085')).toBe('(a\\\\b \\(c\\) \\351\\205)');
    const pdf = readPdf(textPdf(doc([{ heading: 'Notes (1)', text: 'C:\\path (x) café … 日本 😀' }], 'Title (with) \\ slash')));
    expect(pdf.text).toContain('(C:\\\\path \\(x\\) caf\\351 \\205 ?? ?) Tj');
    expect(pdf.text).toContain('/Title (Title \\(with\\) \\\\ slash)');
    expect(body(pdf.shown)).toEqual(['C:\\path (x) caf\u00e9 \u0085 ?? ?']);
    // Decomposed accents are composed first: one é, not e + ?.
    expect(toWinAnsi('cafe\u0301')).toBe('caf\u00e9');
  });

  it('deterministic: the same document gives the same bytes; other text other bytes', () => {
    const sections = [{ heading: 'Log', text: 'joined 15:00\nleft 16:00' }];
    expect(textPdf(doc(sections))).toEqual(textPdf(doc(sections)));
    expect(textPdf(doc(sections))).not.toEqual(textPdf(doc([{ heading: 'Log', text: 'joined 15:01\nleft 16:00' }])));
    expect(new TextDecoder().decode(textPdf(doc(sections)))).not.toMatch(/CreationDate|ModDate|\/ID/);
  });
});
