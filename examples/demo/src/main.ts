/**
 * `pnpm demo`: starts the demo host app on 127.0.0.1 and prints its URL.
 * PORT (default 4321) and HOST may be set in the environment.
 */
import { startDemoServer } from './server';

const started = Date.now();
const demo = await startDemoServer({ port: Number(process.env.PORT ?? 4321), host: process.env.HOST ?? '127.0.0.1' });
console.log(`iTutor Sessions demo (${demo.world.database.kind}) ready in ${Date.now() - started} ms`);
console.log(`Open ${demo.url}`);
console.log('Press Ctrl+C to stop.');
const stop = () => {
  void demo.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
