// MaskBench's schema files, from a folder of .json files or a .tar.gz of one, in name order,
// each with its category (the file-name prefix its README lists).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readTarGz } from './tar.ts';

export interface SchemaFile {
  /** The file name, e.g. Github_easy---o13947.json. */
  readonly name: string;
  readonly category: string;
  readonly text: string;
}

const CATEGORIES = [
  'Github_trivial', 'Github_easy', 'Github_medium', 'Github_hard', 'Github_ultra', 'Glaiveai2K', 'Kubernetes', 'Snowplow',
  'WashingtonPost', 'JsonSchemaStore', 'Handwritten', 'Synthesized', 'MCPspec', 'JME', 'BFCL',
] as const;

/** The table's row order: MaskBench's categories, then any other prefix. */
export function categoryRank(category: string): number {
  const rank = (CATEGORIES as readonly string[]).indexOf(category);
  return rank === -1 ? CATEGORIES.length : rank;
}

/** BFCL_simple_3.json and its kin are one category; other names carry theirs before `---` or `_<n>`. */
export function categoryOf(name: string): string {
  const known = CATEGORIES.find((category) => name.startsWith(`${category}_`) || name.startsWith(`${category}---`));
  return known ?? name.replace(/(---.*|_\d+\.json|\.json)$/, '');
}

export function loadSchemaFiles(path: string): SchemaFile[] {
  const decoder = new TextDecoder();
  const entries = statSync(path).isDirectory()
    ? readdirSync(path).filter((name) => name.endsWith('.json')).map((name) => ({ name, text: readFileSync(join(path, name), 'utf8') }))
    : readTarGz(readFileSync(path))
        .filter((file) => file.path.endsWith('.json'))
        .map((file) => ({ name: basename(file.path), text: decoder.decode(file.bytes) }));
  return entries
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(({ name, text }) => ({ name, category: categoryOf(name), text }));
}
