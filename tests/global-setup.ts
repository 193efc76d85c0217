// Forges any fixture that is missing or stale before the tests read them (cheap when fresh).
import { ensureFixtures } from '../scripts/forge/fixture-set.ts';

export default function setup(): void {
  ensureFixtures((line) => console.log(line));
}
