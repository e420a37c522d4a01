import { readFileSync, cpSync, rmSync, existsSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
if (!existsSync('/tmp/dm/tpl')) {
  const db = await PGlite.create({ dataDir: '/tmp/dm/tpl', loadDataDir: new Blob([readFileSync('/tmp/dm/snap.tar')]) });
  await db.query('select 1'); await db.close();
}
for (let i = 0; i < 3; i++) {
  rmSync('/tmp/dm/run', { recursive: true, force: true });
  const t0 = performance.now();
  cpSync('/tmp/dm/tpl', '/tmp/dm/run', { recursive: true });
  const t1 = performance.now();
  const d = await PGlite.create({ dataDir: '/tmp/dm/run' });
  await d.query('select count(*) from sessions');
  console.log('cp', Math.round(t1 - t0), 'open', Math.round(performance.now() - t1));
  await d.close();
}
const t0 = performance.now();
const d = await PGlite.create({ loadDataDir: new Blob([readFileSync('/tmp/dm/snap.tar')]) });
await d.query('select count(*) from sessions');
console.log('tar', Math.round(performance.now() - t0));
