#!/usr/bin/env bash
# Release readiness without releasing: runs `changeset version` in a throwaway copy of the repository
# (the files on disk, tracked and untracked-but-not-ignored, committed into a fresh git repo in a temp dir)
# and checks that
#   - every package named in a changeset gets exactly the bump its changesets ask for — no escalation
#     (e.g. a minor of core must not turn a package that peer-depends on it into 1.0.0);
#   - each bumped package has a CHANGELOG.md headed by its new version, containing its changesets' text;
#   - the changesets were consumed, and `workspace:` ranges are still `workspace:` ranges.
# The real tree is never modified (checked at the end); nothing is published.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
copy="$(mktemp -d "${TMPDIR:-/tmp}/itutor-changesets.XXXXXX")"
if [ "${KEEP:-}" = 1 ]; then echo "keeping $copy"; else trap 'rm -rf "$copy"' EXIT; fi

cd "$root"
# What `changeset version` writes: these files must be byte for byte the same afterwards in the real tree.
fingerprint() {
  (cd "$root" && for f in .changeset/* packages/*/package.json packages/*/CHANGELOG.md examples/*/package.json examples/*/CHANGELOG.md; do
    [ -e "$f" ] && sha256sum "$f"
  done) || true
}
before="$(fingerprint)"
if ! ls .changeset/*.md 2>/dev/null | grep -qv '/README.md$'; then
  echo "no changesets pending: nothing to version"
  exit 0
fi

# The copy: what is on disk (so uncommitted changesets count too), in a repository of its own.
git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
  rsync -a --from0 --files-from=- ./ "$copy/"
ln -s "$root/node_modules" "$copy/node_modules"
cd "$copy"
[ "$(pwd -P)" = "$(cd "$copy" && pwd -P)" ] && [ "$(pwd -P)" != "$(cd "$root" && pwd -P)" ]
git init -q
git add -A
git -c user.name=ci -c user.email=ci@localhost -c commit.gpgsign=false commit -q -m "snapshot for changeset version"

# What the changesets ask for, read before `version` consumes them.
node --input-type=module - <<'JS' > "$copy/.expected.json"
import { readdirSync, readFileSync } from 'node:fs';
const rank = { patch: 1, minor: 2, major: 3 };
const asked = {};
for (const file of readdirSync('.changeset').filter((f) => f.endsWith('.md') && f !== 'README.md')) {
  const text = readFileSync(`.changeset/${file}`, 'utf8');
  const [, front = '', body = ''] = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text) ?? [];
  for (const line of front.split('\n').filter((l) => l.trim())) {
    const m = /^\s*["']?([^"':]+)["']?\s*:\s*(patch|minor|major)\s*$/.exec(line);
    if (!m) throw new Error(`${file}: cannot read the line "${line}"`);
    const [, name, bump] = m;
    const entry = (asked[name] ??= { bump: 'patch', summaries: [] });
    if (rank[bump] > rank[entry.bump]) entry.bump = bump;
    entry.summaries.push(body.trim().split('\n')[0]);
  }
}
console.log(JSON.stringify(asked));
JS

node node_modules/@changesets/cli/bin.js version >/dev/null

node --input-type=module - <<'JS'
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
const asked = JSON.parse(readFileSync('.expected.json', 'utf8'));
const failures = [];
const inc = (version, bump) => {
  const [major, minor, patch] = version.split('.').map(Number);
  return bump === 'major' ? `${major + 1}.0.0` : bump === 'minor' ? `${major}.${minor + 1}.0` : `${major}.${minor}.${patch + 1}`;
};
const dirs = ['packages', 'examples'].flatMap((top) => readdirSync(top).map((d) => `${top}/${d}`)).filter((d) => existsSync(`${d}/package.json`));
for (const dir of dirs) {
  const now = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8'));
  const then = JSON.parse(execSync(`git show HEAD:${dir}/package.json`, { encoding: 'utf8' }));
  const want = asked[now.name];
  if (!want) {
    // Not named in a changeset: at most a patch (its workspace dependencies moved).
    if (now.version !== then.version && now.version !== inc(then.version, 'patch')) {
      failures.push(`${now.name}: ${then.version} → ${now.version} without a changeset (expected unchanged or a patch)`);
    }
    continue;
  }
  const expected = inc(then.version, want.bump);
  if (now.version !== expected) {
    const peers = Object.entries(then.peerDependencies ?? {}).filter(([, range]) => String(range).startsWith('workspace:'));
    const hint = peers.length === 0 ? '' :
      ` — it peer-depends on ${peers.map(([dep, range]) => `${dep} (${range})`).join(', ')}: changesets turns a dependent` +
      ' into a major when a peer\'s new version leaves its range (^0.0.0, for one, does not hold 0.1.0); a range that holds the' +
      ' coming versions, e.g. "workspace:>=0.0.0 <1.0.0", avoids that';
    failures.push(`${now.name}: ${then.version} → ${now.version}, but its changesets ask for a ${want.bump} (${expected})${hint}`);
  }
  const changelog = existsSync(`${dir}/CHANGELOG.md`) ? readFileSync(`${dir}/CHANGELOG.md`, 'utf8') : null;
  if (!changelog) failures.push(`${now.name}: no CHANGELOG.md`);
  else {
    const first = /^## (.+)$/m.exec(changelog)?.[1];
    if (first !== now.version) failures.push(`${now.name}: CHANGELOG.md starts with "## ${first}", not "## ${now.version}"`);
    for (const summary of want.summaries) if (!changelog.includes(summary)) failures.push(`${now.name}: CHANGELOG.md lacks "${summary}"`);
  }
  for (const field of ['dependencies', 'peerDependencies', 'devDependencies']) {
    for (const [dep, range] of Object.entries(now[field] ?? {})) {
      const old = then[field]?.[dep];
      if (old?.startsWith('workspace:') && range !== old) failures.push(`${now.name}: ${field}.${dep} changed from ${old} to ${range}`);
    }
  }
  console.log(`${now.name}: ${then.version} → ${now.version} (${want.bump}), CHANGELOG.md ## ${now.version}`);
}
for (const name of Object.keys(asked)) {
  if (!dirs.some((d) => JSON.parse(readFileSync(`${d}/package.json`, 'utf8')).name === name)) failures.push(`a changeset names ${name}, which is not a package here`);
}
const left = readdirSync('.changeset').filter((f) => f.endsWith('.md') && f !== 'README.md');
if (left.length > 0) failures.push(`changesets not consumed: ${left.join(', ')}`);
if (failures.length > 0) {
  console.error(`changeset version would not release what the changesets say:\n  - ${failures.join('\n  - ')}`);
  process.exit(1);
}
JS

cd "$root"
if [ "$(fingerprint)" != "$before" ]; then
  echo "the real tree changed while checking changesets" >&2
  exit 1
fi
echo "changeset version: OK (checked in a throwaway copy; nothing published)"
