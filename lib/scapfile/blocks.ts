/** Block type codes and fixed sizes of the `.scap` container (pcapng-style blocks). */

export const BLOCK = {
  SHB: 0x0a0d0d0a,
  MI: 0x201,
  MI_INT: 0x8002abcd,
  PL_V1: 0x202,
  PL_V1_INT: 0x8000abcd,
  PL_V2: 0x207,
  PL_V2_INT: 0x8013abcd,
  PL_V3: 0x209,
  PL_V3_INT: 0x8014abcd,
  PL_V4: 0x210,
  PL_V5: 0x211,
  PL_V6: 0x212,
  PL_V7: 0x213,
  PL_V8: 0x214,
  PL_V9: 0x215,
  FDL: 0x203,
  FDL_INT: 0x8001abcd,
  FDL_V2: 0x218,
  EV: 0x204,
  EV_INT: 0x8010abcd,
  EV_V2: 0x216,
  EV_V2_LARGE: 0x221,
  EVF: 0x208,
  EVF_V2: 0x217,
  EVF_V2_LARGE: 0x222,
  IL: 0x205,
  IL_INT: 0x8011abcd,
  IL_V2: 0x219,
  UL: 0x206,
  UL_INT: 0x8012abcd,
  UL_V2: 0x220,
} as const;

export const SHB_MAGIC = 0x1a2b3c4d;
export const CURRENT_MAJOR_VERSION = 1;
export const CURRENT_MINOR_VERSION = 2;
/** block_type + block_total_length + trailer. */
export const BLOCK_OVERHEAD = 12;
/** Body of a section header without options: magic, major, minor, section_length. */
export const SHB_BODY_SIZE = 16;
export const MACHINE_INFO_SIZE = 180;

/** Process list block version (1..9) by block type, or 0 when not a process list. */
export function processListVersion(type: number): number {
  switch (type) {
    case BLOCK.PL_V1: case BLOCK.PL_V1_INT: return 1;
    case BLOCK.PL_V2: case BLOCK.PL_V2_INT: return 2;
    case BLOCK.PL_V3: case BLOCK.PL_V3_INT: return 3;
    case BLOCK.PL_V4: return 4;
    case BLOCK.PL_V5: return 5;
    case BLOCK.PL_V6: return 6;
    case BLOCK.PL_V7: return 7;
    case BLOCK.PL_V8: return 8;
    case BLOCK.PL_V9: return 9;
    default: return 0;
  }
}

/** What an event block holds: header size, whether a flags word precedes the event, and large payloads. */
export interface EventBlockKind {
  headerSize: 22 | 26;
  hasFlags: boolean;
  large: boolean;
}

export function eventBlockKind(type: number): EventBlockKind | undefined {
  switch (type) {
    case BLOCK.EV: case BLOCK.EV_INT: return { headerSize: 22, hasFlags: false, large: false };
    case BLOCK.EVF: return { headerSize: 22, hasFlags: true, large: false };
    case BLOCK.EV_V2: return { headerSize: 26, hasFlags: false, large: false };
    case BLOCK.EVF_V2: return { headerSize: 26, hasFlags: true, large: false };
    case BLOCK.EV_V2_LARGE: return { headerSize: 26, hasFlags: false, large: true };
    case BLOCK.EVF_V2_LARGE: return { headerSize: 26, hasFlags: true, large: true };
    default: return undefined;
  }
}

export function padTo4(n: number): number {
  return (n + 3) & ~3;
}
