/**
 * Stripe's request encoding (`application/x-www-form-urlencoded` with nested `a[b][c]` keys, as the
 * official client sends it), decoded into plain objects. Values stay strings, as Stripe receives them.
 */
export type FormValue = string | FormObject;
/** A decoded form object. */
export interface FormObject {
  [key: string]: FormValue;
}

/** Decodes a form body into nested objects (`transfer_data[destination]=acct_1` → `{ transfer_data: { destination: 'acct_1' } }`). */
export function parseStripeForm(body: string): FormObject {
  return formFromEntries(new URLSearchParams(body));
}

/** Nested objects from `[key, value]` entries with `a[b][c]` keys (a form body's, or a multipart body's text fields). */
export function formFromEntries(entries: Iterable<readonly [string, string]>): FormObject {
  const root: FormObject = {};
  for (const [key, value] of entries) {
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
    const path = match ? [match[1]!, ...[...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!)] : [key];
    let node = root;
    for (let i = 0; i < path.length - 1; i++) {
      const part = path[i]!;
      const next = node[part];
      if (typeof next === 'object') node = next;
      else {
        const created: FormObject = {};
        node[part] = created;
        node = created;
      }
    }
    node[path[path.length - 1]!] = value;
  }
  return root;
}

/** The body's entries in a canonical order: equal for requests with the same parameters. */
export function formFingerprint(method: string, path: string, body: string): string {
  const entries = [...new URLSearchParams(body)].sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : x > y ? 1 : 0) : a < b ? -1 : 1));
  return `${method} ${path}\n${new URLSearchParams(entries).toString()}`;
}
