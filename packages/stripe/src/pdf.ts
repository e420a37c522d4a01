/**
 * A minimal PDF 1.4 writer for text documents (internal): Helvetica on A4 pages, headings in Helvetica-Bold,
 * lines word-wrapped to the page's width and paginated, "page i of n" in each footer. No dependencies, no
 * compression, no dates: the same text gives the same bytes. The file is ASCII only: text is written in
 * WinAnsiEncoding (Latin-1 and a few typographic marks such as `…`, `–`, `’`), anything else as `?`, bytes
 * above 126 as octal escapes.
 */

/** One section of a document: a heading (bold) and its text (paragraphs split at `\n`). */
export interface PdfSection {
  readonly heading: string;
  readonly text: string;
}

/** A text document. */
export interface PdfDocument {
  /** The first line (larger, bold) and the document's `/Title`. */
  readonly title: string;
  readonly sections: readonly PdfSection[];
  /** Each page's footer, before "page i of n". */
  readonly footer: string;
}

const PAGE_WIDTH = 595.28;
const PAGE_HEIGHT = 841.89;
const MARGIN = 56;
const TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN;

/**
 * Helvetica's advance widths (1/1000 em) of the characters 32–126 in WinAnsiEncoding (the standard font
 * metrics). Helvetica-Bold's are at most 25 % wider; any other character is counted 1000 (a full em), so a
 * line never runs past the margin.
 */
const WIDTHS = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015,
  667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556,
  556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/** WinAnsiEncoding's characters at 128–159 (`\0` where it has none). */
const WIN_ANSI_EXTRA = '€\0‚ƒ„…†‡ˆ‰Š‹Œ\0Ž\0\0‘’“”•–—˜™š›œ\0žŸ';

/** `text` as WinAnsiEncoding character codes (a string of codes 32–255): tabs as spaces, what it cannot show as `?`. */
export function toWinAnsi(text: string): string {
  let out = '';
  for (const char of text.normalize('NFC').replace(/\t/g, '    ')) {
    const code = char.codePointAt(0)!;
    const extra = WIN_ANSI_EXTRA.indexOf(char);
    if ((code >= 32 && code < 127) || (code >= 160 && code <= 255)) out += char;
    else if (extra >= 0 && char !== '\0') out += String.fromCharCode(128 + extra);
    else out += '?';
  }
  return out;
}

const units = (code: number) => (code >= 32 && code < 127 ? WIDTHS[code - 32]! : 1000);

/** The width of WinAnsi `text` at `size` points. */
function widthOf(text: string, size: number, bold: boolean): number {
  let sum = 0;
  for (let i = 0; i < text.length; i++) sum += units(text.charCodeAt(i));
  return (sum * size * (bold ? 1.25 : 1)) / 1000;
}

/** How many characters of `text` fit in the text width (at least one). */
function fittingPrefix(text: string, size: number, bold: boolean): number {
  const limit = (TEXT_WIDTH * 1000) / (size * (bold ? 1.25 : 1));
  let sum = 0;
  let n = 0;
  while (n < text.length && sum + units(text.charCodeAt(n)) <= limit) sum += units(text.charCodeAt(n++));
  return Math.max(n, 1);
}

/** `paragraph` (WinAnsi, no line breaks) cut into lines of at most the text width: at spaces, inside a word only when it alone is too wide. */
function wrap(paragraph: string, size: number, bold: boolean): string[] {
  const fits = (text: string) => widthOf(text, size, bold) <= TEXT_WIDTH;
  const lines: string[] = [];
  let line = '';
  for (const word of paragraph.split(' ')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (fits(candidate)) {
      line = candidate;
      continue;
    }
    if (line !== '') lines.push(line);
    line = word;
    while (!fits(line)) {
      const cut = fittingPrefix(line, size, bold);
      lines.push(line.slice(0, cut));
      line = line.slice(cut);
    }
  }
  lines.push(line);
  return lines;
}

/** A line of a page: its font (`F1` Helvetica, `F2` Helvetica-Bold), size, and the space it takes. */
interface Line {
  readonly text: string;
  readonly font: 'F1' | 'F2';
  readonly size: number;
  readonly height: number;
  /** A heading's line: not left alone at the foot of a page. */
  readonly keep?: boolean;
}

/** The document's lines, in order. */
function layout(document: PdfDocument): Line[] {
  const lines: Line[] = wrap(toWinAnsi(document.title), 16, true).map((text) => ({ text, font: 'F2', size: 16, height: 22 }));
  for (const section of document.sections) {
    lines.push({ text: '', font: 'F1', size: 10, height: 8 });
    for (const text of wrap(toWinAnsi(section.heading), 11, true)) lines.push({ text, font: 'F2', size: 11, height: 16, keep: true });
    for (const paragraph of section.text.replace(/\r\n?/g, '\n').split('\n')) {
      for (const text of wrap(toWinAnsi(paragraph), 10, false)) lines.push({ text, font: 'F1', size: 10, height: 13 });
    }
  }
  return lines;
}

/** The lines on each page, top to bottom within the margins; a heading moves to the next page with its first line. */
function paginate(lines: readonly Line[]): Line[][] {
  const pages: Line[][] = [[]];
  let room = PAGE_HEIGHT - 2 * MARGIN;
  for (const [i, line] of lines.entries()) {
    const needs = line.height + (line.keep ? (lines[i + 1]?.height ?? 0) : 0);
    if (needs > room && pages.at(-1)!.length > 0) {
      pages.push([]);
      room = PAGE_HEIGHT - 2 * MARGIN;
    }
    // A blank line does not open a page.
    if (line.text === '' && pages.at(-1)!.length === 0) continue;
    pages.at(-1)!.push(line);
    room -= line.height;
  }
  return pages;
}

/** WinAnsi `text` as a PDF literal string: `\`, `(` and `)` escaped, bytes outside 32–126 as octal. */
export function pdfString(text: string): string {
  let out = '(';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const char = text[i]!;
    if (char === '\\' || char === '(' || char === ')') out += `\\${char}`;
    else if (code < 32 || code > 126) out += `\\${code.toString(8).padStart(3, '0')}`;
    else out += char;
  }
  return `${out})`;
}

const fixed = (n: number) => String(Math.round(n * 100) / 100);

/** A page's content stream: each line placed from the top margin down, and the footer. */
function pageContent(lines: readonly Line[], footer: string): string {
  let y = PAGE_HEIGHT - MARGIN;
  let out = '';
  for (const line of lines) {
    y -= line.height;
    if (line.text !== '') out += `BT /${line.font} ${line.size} Tf ${MARGIN} ${fixed(y + line.height - line.size)} Td ${pdfString(line.text)} Tj ET\n`;
  }
  return `${out}BT /F1 8 Tf ${MARGIN} ${MARGIN / 2} Td ${pdfString(footer)} Tj ET\n`;
}

/**
 * The document as a PDF 1.4 file: a catalog, the page tree, the two standard fonts, an information
 * dictionary (`/Title`, `/Producer`), then each page and its content stream; a cross-reference table with
 * each object's byte offset, and the trailer.
 */
export function textPdf(document: PdfDocument): Uint8Array {
  const pages = paginate(layout(document));
  const objects: string[] = [];
  const pageRef = (i: number) => `${6 + 2 * i} 0 R`;
  objects.push('<< /Type /Catalog /Pages 2 0 R >>');
  objects.push(`<< /Type /Pages /Kids [${pages.map((_, i) => pageRef(i)).join(' ')}] /Count ${pages.length} >>`);
  objects.push('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  objects.push('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>');
  objects.push(`<< /Title ${pdfString(toWinAnsi(document.title))} /Producer (iTutor Sessions SDK) >>`);
  pages.forEach((lines, i) => {
    const footer = toWinAnsi(`${document.footer} - page ${i + 1} of ${pages.length}`);
    const content = pageContent(lines, footer);
    objects.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE_WIDTH} ${PAGE_HEIGHT}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents ${7 + 2 * i} 0 R >>`);
    objects.push(`<< /Length ${content.length} >>\nstream\n${content}endstream`);
  });
  let file = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(file.length);
    file += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = file.length;
  file += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  file += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 5 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  // ASCII only: one byte a character.
  return new TextEncoder().encode(file);
}
