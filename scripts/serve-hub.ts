// `npm run hub -- [ROOT] [PORT]`: serves a forged hub tree on localhost, for the app and tests.
import { resolve } from 'node:path';
import { startHubServer } from './hub-server.ts';
import { HUB_ROOT } from './forge/fixture-set.ts';

const [root = HUB_ROOT, port = '8787'] = process.argv.slice(2);
const hub = await startHubServer(resolve(root), Number(port));
console.log(`serving ${resolve(root)} at ${hub.url} (Ctrl-C to stop)`);
