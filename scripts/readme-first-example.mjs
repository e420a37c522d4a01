/**
 * Writes the first ```ts or ```tsx block of a README (a fenced block inside a list item counts, its
 * indentation removed) to a file, exactly as written there; prints the block's language. Used by
 * scripts/check-packed.sh to type-check and run each README's first host example against the packed
 * packages. Exit 1 when the README has no such block.
 *
 *   node scripts/readme-first-example.mjs packages/stripe/README.md out/stripe.ts
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const [readme, out] = process.argv.slice(2);
if (!readme || !out) {
  console.error('usage: node scripts/readme-first-example.mjs <README.md> <output file>');
  process.exit(2);
}
const lines = readFileSync(readme, 'utf8').split('\n');
const open = lines.findIndex((line) => /^ *```(ts|tsx)\s*$/.test(line));
if (open < 0) {
  console.error(`${readme}: no \`\`\`ts or \`\`\`tsx block`);
  process.exit(1);
}
const indent = /^ */.exec(lines[open])[0].length;
const lang = /```(tsx?)/.exec(lines[open])[1];
const close = lines.findIndex((line, i) => i > open && new RegExp(`^ {0,${indent}}\`\`\`\\s*$`).test(line));
if (close < 0) {
  console.error(`${readme}:${open + 1}: the block is never closed`);
  process.exit(1);
}
const body = lines.slice(open + 1, close).map((line) => line.slice(Math.min(indent, /^ */.exec(line)[0].length)));
mkdirSync(dirname(out), { recursive: true });
// (`export {}` makes every example a module, as it is in a host's file tree, whether or not it imports.)
writeFileSync(out, `// ${readme}:${open + 2} (its first ${lang} example, as written there)\n${body.join('\n')}\nexport {};\n`);
console.log(lang);
