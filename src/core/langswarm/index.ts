// Importing LangSwarm V1/V2 session files and writing V1 JSON back: the public surface.
export { migrate, hasFailures } from './importer';
export type {
  MigrateOptions,
  MigrateProgress,
  MigrateReport,
  FileResult,
  SessionResult,
  Issue,
  Outcome,
} from './importer';
export { exportV1, toV1Document } from './export-v1';
export { describeProgress, formatReport } from './report';
export { SOURCE_FORMATS } from './source';
export type { SourceFormat } from './source';
export { sourceCounts } from './source-counts';
