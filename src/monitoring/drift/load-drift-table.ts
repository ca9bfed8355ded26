import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { SlipwayError } from '../../errors/index.js';
import { checkoutDataset, getDatasetVersion, readCsvText } from '../../data/index.js';
import type { Db } from '../../meta/index.js';
import type { ObjectStore } from '../../store/index.js';
import { driftTableFromCsv, type DriftTable } from './drift-table.js';

/** Where a table for `slipway drift` comes from. */
export interface DriftSourceOptions {
  /** Resolves relative paths. */
  readonly root: string;
  /** The CSV inside a dataset version or folder holding several (path relative to its root). */
  readonly file?: string | undefined;
  /** Opens the metadata database and store, only when the source is a dataset version. */
  readonly open?: () => Promise<{ db: Db; store: ObjectStore }>;
}

function csvFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...csvFiles(p));
    else if (name.toLowerCase().endsWith('.csv')) out.push(p);
  }
  return out.sort();
}

async function fromPath(path: string, label: string, file: string | undefined): Promise<DriftTable> {
  let csv = path;
  if (statSync(path).isDirectory()) {
    const all = csvFiles(path);
    const pick = file === undefined ? all : all.filter((p) => relative(path, p) === file);
    if (pick.length !== 1)
      throw new SlipwayError(
        'DATA_FORMAT_INVALID',
        pick.length === 0
          ? `${label} holds no CSV file${file === undefined ? '' : ` named ${file}`}; drift compares CSV tables`
          : `${label} holds ${pick.length} CSV files (${all.map((p) => relative(path, p)).join(', ')}); pick one with --file`,
        { source: label },
      );
    csv = pick[0]!;
  }
  return driftTableFromCsv(await readCsvText(csv), label);
}

/** Loads a CSV file, a folder with one CSV, or a dataset version (`name@N`, `name`) as a drift table. */
export async function loadDriftTable(source: string, opts: DriftSourceOptions): Promise<{ table: DriftTable; label: string }> {
  const asPath = resolve(opts.root, source);
  if (existsSync(asPath)) return { table: await fromPath(asPath, source, opts.file), label: source };
  if (!opts.open) throw new SlipwayError('PATH_NOT_FOUND', `${source} is neither a file nor a dataset version; check the path`, { source });
  const { db, store } = await opts.open();
  const v = await getDatasetVersion(db, source.replace(/@latest$/, ''));
  const label = `${v.name}@${v.version}`;
  const dir = mkdtempSync(join(tmpdir(), 'slipway-drift-'));
  try {
    await checkoutDataset(db, store, { name: v.name, version: v.version }, dir);
    return { table: await fromPath(dir, label, opts.file), label };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
