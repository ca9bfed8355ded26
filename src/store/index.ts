export { sha256, sha256File, isHash } from './hash.js';
export { openObjectStore, writeFileAtomic, objectSize, type ObjectStore } from './object-store.js';
export {
  putTree,
  readTree,
  encodeTree,
  addPathToStore,
  checkoutTree,
  listFiles,
  assertSafePath,
  type Tree,
  type TreeEntry,
  type LinkType,
} from './tree.js';
