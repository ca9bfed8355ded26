import type { ArtifactQuota } from './artifact-quota.js';
import type { Workspace } from '../config/index.js';
import type { Db } from '../meta/index.js';
import type { ObjectStore } from '../store/index.js';

/** What every route plugin gets: the workspace, its database and store, and the raw-upload size limit. */
export interface ServerContext {
  readonly workspace: Workspace;
  readonly db: Db;
  readonly store: ObjectStore;
  /** Largest artifact/object upload in bytes (raw bodies are streamed to disk, not buffered). */
  readonly uploadLimit: number;
  /** The workspace's artifact quota (uploads past it get QUOTA_EXCEEDED). */
  readonly quota?: ArtifactQuota;
}
