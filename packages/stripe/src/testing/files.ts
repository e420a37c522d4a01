import type { FormObject } from './form';
import { integer, invalid, str } from './http';
import type { MultipartFile } from './multipart';

/**
 * File uploads of the fake Stripe, as Stripe's Files API documents them: `POST /v1/files` takes a
 * `multipart/form-data` request (the official client's `files.create` sends one to `files.stripe.com`) with a
 * `purpose` and a `file`, and answers a File object; `GET /v1/files/{id}` reads it back and `GET /v1/files`
 * lists them, newest first. The file's format is read from its bytes, as Stripe does: a purpose accepts only
 * the formats of Stripe's file upload guide, within its size (for `dispute_evidence`: PDF, JPEG or PNG, at
 * most 5 MB, a PDF of at most 50 pages).
 */

/** A file as the fake answers it (Stripe's File object). */
export interface FakeFile {
  /** `file_...` */
  readonly id: string;
  readonly object: 'file';
  readonly purpose: string;
  /** In bytes. */
  readonly size: number;
  /** The format read from the file's bytes (`pdf`, `jpg`, `png`, `gif`, `svg`), else the filename's extension, else `null`. */
  readonly type: string | null;
  readonly filename: string | null;
  readonly title: null;
  readonly created: number;
  /** `dispute_evidence` files expire after 9 months (270 days), `customer_signature` after 7 days; others never. */
  readonly expires_at: number | null;
  /** No file links are made (`file_link_data` is accepted and ignored). */
  readonly links: { readonly object: 'list'; readonly data: readonly never[]; readonly has_more: false; readonly url: string };
  /** The fake serves no file contents (read them with {@link StripeFake.fileContents}). */
  readonly url: null;
}

/** A file as `StripeFake.addFile` takes it. */
export interface FakeFileUpload {
  /** The file's bytes: its format is read from them, as Stripe does. */
  readonly data: Uint8Array;
  /** The filename. Default `evidence`. */
  readonly name?: string;
}

/** The purposes `POST /v1/files` takes (Stripe's `FileCreateParams.Purpose`). */
const PURPOSES = [
  'account_requirement',
  'additional_verification',
  'business_icon',
  'business_logo',
  'customer_signature',
  'dispute_evidence',
  'identity_document',
  'issuing_regulatory_reporting',
  'pci_document',
  'platform_terms_of_service',
  'tax_document_user_upload',
  'terminal_android_apk',
  'terminal_reader_splashscreen',
  'terminal_wifi_certificate',
  'terminal_wifi_private_key',
];

const MB = 1024 * 1024;
/** Stripe's file upload guide: the formats and the largest size of a purpose (the others are not checked). */
const RULES: Record<string, { readonly types: readonly string[]; readonly maxBytes: number }> = {
  account_requirement: { types: ['pdf', 'jpg', 'png'], maxBytes: 16 * MB },
  business_icon: { types: ['jpg', 'png', 'gif'], maxBytes: MB / 2 },
  business_logo: { types: ['jpg', 'png', 'gif'], maxBytes: MB / 2 },
  customer_signature: { types: ['jpg', 'png', 'svg'], maxBytes: 4 * MB },
  dispute_evidence: { types: ['pdf', 'jpg', 'png'], maxBytes: 5 * MB },
  identity_document: { types: ['pdf', 'jpg', 'png'], maxBytes: 16 * MB },
};
const MIME: Record<string, string> = { pdf: 'application/pdf', jpg: 'image/jpeg', png: 'image/png', gif: 'image/gif', svg: 'image/svg+xml' };
/** The most pages of a `dispute_evidence` PDF ("Please upload a file with fewer than 50 pages"; 50 pass). */
const EVIDENCE_MAX_PAGES = 50;
const CREATE_PARAMS = ['purpose', 'file', 'expand', 'file_link_data'];

const startsWith = (data: Uint8Array, bytes: readonly number[]) => bytes.every((b, i) => data[i] === b);
const latin1 = (data: Uint8Array) => new TextDecoder('latin1').decode(data);

/** The file's format read from its first bytes, or `null`. */
function formatOf(data: Uint8Array): string | null {
  if (startsWith(data, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'pdf';
  if (startsWith(data, [0xff, 0xd8, 0xff])) return 'jpg';
  if (startsWith(data, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (/^GIF8[79]a/.test(latin1(data.subarray(0, 6)))) return 'gif';
  return /^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/.test(latin1(data.subarray(0, 512))) ? 'svg' : null;
}

/** A filename's extension, lower case, or `null`. */
const extensionOf = (filename: string | null) => (filename === null ? null : (/\.([A-Za-z0-9]{1,8})$/.exec(filename)?.[1]?.toLowerCase() ?? null));

/** The pages of a PDF: its `/Type /Page` objects. */
const pageCount = (data: Uint8Array) => latin1(data).match(/\/Type\s*\/Page(?![A-Za-z])/g)?.length ?? 0;

/** What the files need from the rest of the fake. */
export interface FakeFileDeps {
  readonly now: () => number;
  readonly newId: (prefix: string) => string;
}

/** The files of one fake: its controls and its routes. */
export interface FakeFiles {
  readonly all: readonly FakeFile[];
  /** Uploads a file as `POST /v1/files` does; throws the fake's HTTP errors. */
  create(purpose: string, upload: { readonly data: Uint8Array; readonly filename: string | null }): FakeFile;
  /** A copy of the file's bytes; throws for an unknown file. */
  contents(id: string): Uint8Array;
  /** The size of a file uploaded with `purpose`, or `null` when there is none. */
  sizeOf(id: string, purpose: string): number | null;
  /** `/v1/files...`; throws the fake's HTTP errors. */
  route(method: string, id: string | undefined, sub: string | undefined, params: FormObject, uploads: readonly MultipartFile[]): { status: number; body: unknown };
}

/** Creates the files of one fake. */
export function createFakeFiles(deps: FakeFileDeps): FakeFiles {
  const files = new Map<string, { readonly file: FakeFile; readonly data: Uint8Array }>();

  function find(id: string) {
    const found = files.get(id);
    if (!found) throw invalid(`No such file upload: '${id}'`, 'id', 'resource_missing', 404);
    return found;
  }

  function create(purpose: string, upload: { readonly data: Uint8Array; readonly filename: string | null }): FakeFile {
    const { data, filename } = upload;
    // The format is read from the bytes: a filename's extension or a declared content type does not count.
    const format = formatOf(data);
    const rule = RULES[purpose];
    if (rule && (format === null || !rule.types.includes(format))) {
      const accepted = rule.types.map((t) => MIME[t]).join(', ');
      throw invalid(`We don't currently support that file type. Try uploading a file with one of the following mimetypes: ${accepted}.`, 'file');
    }
    if (rule && data.length > rule.maxBytes) {
      throw invalid(`The file you uploaded is too large (${data.length} bytes): files with purpose ${purpose} can be at most ${rule.maxBytes / MB} MB.`, 'file');
    }
    if (purpose === 'dispute_evidence' && format === 'pdf' && pageCount(data) > EVIDENCE_MAX_PAGES) {
      throw invalid(`The file you uploaded was too long. Please upload a file with fewer than ${EVIDENCE_MAX_PAGES} pages.`, 'file');
    }
    const id = deps.newId('file');
    const created = deps.now();
    const lifetimeDays = purpose === 'dispute_evidence' ? 270 : purpose === 'customer_signature' ? 7 : null;
    const file: FakeFile = {
      id,
      object: 'file',
      purpose,
      size: data.length,
      type: format ?? extensionOf(filename),
      filename,
      title: null,
      created,
      expires_at: lifetimeDays === null ? null : created + lifetimeDays * 86_400,
      links: { object: 'list', data: [], has_more: false, url: `/v1/file_links?file=${id}` },
      url: null,
    };
    files.set(id, { file, data: data.slice() });
    return file;
  }

  /** `POST /v1/files`: the parameters checked as Stripe checks them, then the upload. */
  function upload(params: FormObject, uploads: readonly MultipartFile[]): FakeFile {
    for (const key of Object.keys(params)) {
      if (!CREATE_PARAMS.includes(key)) throw invalid(`Received unknown parameter: ${key}`, key, 'parameter_unknown');
    }
    const purpose = str(params.purpose);
    if (purpose === undefined || purpose === '') throw invalid('Missing required param: purpose.', 'purpose', 'parameter_missing');
    if (!PURPOSES.includes(purpose)) throw invalid(`Invalid purpose: must be one of ${PURPOSES.slice(0, -1).join(', ')}, or ${PURPOSES.at(-1)}`, 'purpose');
    const file = uploads.find((u) => u.name === 'file');
    if (!file) {
      if (params.file !== undefined) throw invalid('Invalid file: must be a file sent as a multipart/form-data part with a filename.', 'file');
      throw invalid('Missing required param: file.', 'file', 'parameter_missing');
    }
    return create(purpose, { data: file.data, filename: file.filename });
  }

  function list(params: FormObject) {
    const purpose = str(params.purpose);
    const limit = params.limit === undefined ? 10 : integer(params.limit, 'limit', 1);
    if (limit > 100) throw invalid('This value must be less than or equal to 100.', 'limit', 'parameter_invalid_integer');
    const all = [...files.values()].map((f) => f.file).filter((f) => purpose === undefined || f.purpose === purpose).reverse();
    return { object: 'list', url: '/v1/files', has_more: all.length > limit, data: all.slice(0, limit) };
  }

  return {
    get all() {
      return [...files.values()].map((f) => f.file);
    },
    create,
    contents: (id) => find(id).data.slice(),
    sizeOf(id, purpose) {
      const found = files.get(id);
      return found && found.file.purpose === purpose ? found.file.size : null;
    },
    route(method, id, sub, params, uploads) {
      if (method === 'POST' && id === undefined) return { status: 200, body: upload(params, uploads) };
      if (method === 'GET' && id !== undefined && sub === undefined) return { status: 200, body: find(id).file };
      if (method === 'GET' && id === undefined) return { status: 200, body: list(params) };
      throw invalid(`Unrecognized request URL (${method}: /v1/files${id ? `/${id}` : ''}${sub ? `/${sub}` : ''}).`, undefined, undefined, 404);
    },
  };
}
