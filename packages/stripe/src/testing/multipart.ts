import { invalid } from './http';

/**
 * Stripe's file upload encoding (`multipart/form-data`, RFC 7578, as the official client sends
 * `files.create`), decoded: the text fields, and the file parts with their bytes untouched.
 */

/** One file part of a multipart body. */
export interface MultipartFile {
  /** The form field (`file`). */
  readonly name: string;
  /** The part's `filename`, `null` without one. */
  readonly filename: string | null;
  /** The part's `Content-Type`, `null` without one. */
  readonly type: string | null;
  readonly data: Uint8Array;
}

/** A decoded multipart body: text fields in order (`[name, value]`), and the file parts. */
export interface MultipartBody {
  readonly fields: ReadonlyArray<readonly [string, string]>;
  readonly files: readonly MultipartFile[];
}

/** The boundary of a `multipart/form-data` content type, or `null` for another content type. */
export function multipartBoundary(contentType: string | undefined): string | null {
  if (!contentType || !/^\s*multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const match = /;\s*boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

/** The first index of `needle` in `haystack` at or after `from`, or -1. */
function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0]!;
  for (let i = haystack.indexOf(first, from); i >= 0 && i <= haystack.length - needle.length; i = haystack.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/** A `name="..."` parameter of a `Content-Disposition` header (the official client writes `"` as `%22`). */
function dispositionParam(header: string, param: string): string | null {
  const match = new RegExp(`;\\s*${param}="([^"]*)"`, 'i').exec(header);
  return match ? match[1]!.replaceAll('%22', '"') : null;
}

const malformed = () => invalid('Invalid multipart/form-data request body.', undefined, undefined, 400);

/**
 * Decodes a `multipart/form-data` body: each part between the `--boundary` lines, its headers, then its
 * content. Parts with a `filename` are files (their bytes as sent); the others are text (UTF-8). Throws the
 * fake's 400 for a body that is not well formed.
 */
export function parseMultipart(body: Uint8Array, boundary: string): MultipartBody {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const delimiter = encoder.encode(`--${boundary}`);
  const crlf = encoder.encode('\r\n');
  const headerEnd = encoder.encode('\r\n\r\n');
  const fields: Array<readonly [string, string]> = [];
  const files: MultipartFile[] = [];
  let at = indexOf(body, delimiter, 0);
  if (at < 0) throw malformed();
  for (;;) {
    at += delimiter.length;
    // `--boundary--` closes the body.
    if (body[at] === 0x2d && body[at + 1] === 0x2d) break;
    if (body[at] !== 0x0d || body[at + 1] !== 0x0a) throw malformed();
    const start = at + 2;
    const headersEnd = indexOf(body, headerEnd, start - 2);
    // Each part ends with CRLF before the next delimiter.
    const next = indexOf(body, new Uint8Array([...crlf, ...delimiter]), start);
    if (headersEnd < 0 || next < 0 || headersEnd > next) throw malformed();
    const headers = decoder.decode(body.subarray(start, headersEnd)).split('\r\n');
    const data = body.slice(headersEnd + 4, next);
    const disposition = headers.find((h) => /^content-disposition:/i.test(h)) ?? '';
    const name = dispositionParam(disposition, 'name');
    if (name === null) throw malformed();
    const filename = dispositionParam(disposition, 'filename');
    if (filename === null) fields.push([name, decoder.decode(data)]);
    else {
      const type = headers.find((h) => /^content-type:/i.test(h));
      files.push({ name, filename, type: type ? type.slice(type.indexOf(':') + 1).trim() : null, data });
    }
    at = next + crlf.length;
  }
  return { fields, files };
}
