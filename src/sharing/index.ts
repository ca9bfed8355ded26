export {
  exportPointers,
  importPointers,
  pointerDirs,
  pointerFilesStamp,
  databaseStamp,
  POINTER_DIR,
  type ExportReport,
  type ImportReport,
} from './pointer-files.js';
export { pointerSync, type PointerSync } from './pointer-sync.js';
export { shareRoots, type ShareRoot } from './share-roots.js';
export {
  pushWorkspace,
  pullWorkspace,
  checkoutOutputs,
  remoteStatus,
  type ShareOptions,
  type ShareReport,
  type RemoteStatusEntry,
} from './workspace-transfer.js';
