// `npm run forge:fixtures`: (re)creates the forged models the tests use, skipping unchanged ones.
import { FIXTURES, HUB_ROOT, OFFICIAL_FIXTURES, ensureFixtures } from './fixture-set.ts';

const started = performance.now();
const rebuilt = ensureFixtures((line) => console.log(line));
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`fixtures: ${rebuilt.length} forged, ${FIXTURES.length + OFFICIAL_FIXTURES.length - rebuilt.length} up to date (${seconds} s) in ${HUB_ROOT}`);
