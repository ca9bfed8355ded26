export { sha256, sha256File, isHash } from './hash.js';
export { openObjectStore, writeFileAtomic, type ObjectStore } from './object-store.js';
export {
  putTree,
  readTree,
  encodeTree,
  checkoutTree,
  listFiles,
  listFilesDetailed,
  type SkippedPath,
  assertSafePath,
  DEFAULT_LINK_ORDER,
  type Tree,
  type TreeEntry,
  type LinkType,
} from './tree.js';
export { addPathToStore, type AddPathOptions, type AddPathResult } from './add-path.js';
export { hashFiles, type FileDigest, type HashFilesOptions } from './hash-pool.js';
export { openStatCache, stampOf, type StatCache, type FileStamp } from './stat-cache.js';
export { listObjects, looksLikeTree, type StoreListing } from './object-walk.js';
export { walkReachable, addRoot, type RootRefs, type Reachability } from './reachability.js';
export { collectRoots, type CollectRootsOptions, type RootProvider } from './root-provider.js';
export { fsckStore, type FsckReport, type FsckProblem } from './fsck.js';
export { repairStore, type RepairReport } from './fsck-repair.js';
export { gcStore, DEFAULT_PRUNE_EXPIRE_MS, type GcReport, type GcOptions } from './gc.js';
export {
  acquireWriteLock,
  acquireGcLock,
  withWriteLock,
  removeDeadTempFiles,
  processAlive,
  type ReleaseLock,
  type StoreLockOptions,
} from './store-lock.js';
export type { Remote } from './remote.js';
export { openRemote, type OpenRemoteOptions } from './open-remote.js';
export { openS3Remote, parseS3Url, type S3Settings } from './s3-remote.js';
export { openFsRemote } from './fs-remote.js';
export { receiveObject } from './receive-object.js';
export { pushObjects, pullObjects, pullClosure, closureOf, type TransferReport, type TransferOptions } from './transfer.js';
export { addRemoteToConfig, removeRemoteFromConfig, pickRemote } from './remote-config.js';
