/** `scap-ts/scapfile`: streaming `.scap` reader and writer. */
export { ScapReader, FileBatch, type ScapSection, type SectionOption, type FileGeneration, type ReaderStats, type ScapReaderOptions, type ScapSource } from './reader.js';
export { ScapWriter, DUMP_FLAG_STATE_ONLY, type SectionMetadata, type ScapWriterOptions } from './writer.js';
export { BLOCK, SHB_MAGIC, eventBlockKind, processListVersion } from './blocks.js';
export { FD_TYPE, type MachineInfo, type ThreadRecord, type FdRecord, type InterfaceRecord, type UserRecord, type GroupRecord } from './metadata.js';
export { ScapFileError } from '../errors.js';
