import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SlipwayError } from '../errors/index.js';
import type { Db } from '../meta/index.js';
import type { LinkType, ObjectStore } from '../store/index.js';
import type { DatasetVersion } from './dataset-repository.js';
import { checkoutDataset } from './dataset-versions.js';

/** Where data to read lies: a path as given, or a dataset version checked out into a temp folder. */
export interface DataSource {
  /** The folder or file to hand to `loadDataFolder`. */
  readonly path: string;
  /** The dataset version checked out; null for a path. */
  readonly version: DatasetVersion | null;
  /** `name@N` for a dataset version, else the spec as given (for messages and reports). */
  readonly label: string;
  /** Removes the checkout (nothing to do for a path). */
  close(): void;
}

/** How to open a data source; the database and store are opened only for a dataset version. */
export interface OpenDataSourceOptions {
  /** Paths are relative to this folder. */
  readonly root: string;
  /** Where dataset versions are checked out. */
  readonly tmpDir: string;
  readonly db: () => Promise<Db>;
  readonly store: () => ObjectStore;
  readonly link?: readonly LinkType[];
}

const DATASET_REF = /^[A-Za-z0-9][\w.-]*(@(\d+|latest))?$/;

/**
 * Resolves the DATA of `train`, `evaluate`, gates and quantisation: an existing path (relative to `root`) wins;
 * otherwise `NAME`, `NAME@N` or `NAME@latest` is a dataset version, checked out into a temp folder until `close`.
 * PATH_NOT_FOUND when it is neither; DATASET_NOT_FOUND when no such dataset version exists.
 */
export async function openDataSource(spec: string, opts: OpenDataSourceOptions): Promise<DataSource> {
  const path = resolve(opts.root, spec);
  if (existsSync(path)) return { path, version: null, label: spec, close: () => undefined };
  if (!DATASET_REF.test(spec))
    throw new SlipwayError('PATH_NOT_FOUND', `${spec} does not exist; give an IDX folder, a CSV file or a dataset NAME@N`, { path: spec });
  const dir = mkdtempSync(join(opts.tmpDir, 'slipway-data-'));
  const close = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    const version = await checkoutDataset(await opts.db(), opts.store(), spec.replace(/@latest$/, ''), dir, {
      ...(opts.link ? { link: opts.link } : {}),
    });
    return { path: dir, version, label: `${version.name}@${version.version}`, close };
  } catch (e) {
    close();
    throw e;
  }
}
