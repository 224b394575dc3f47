/**
 * Network interfaces of the captured machine, used as libsinsp uses them:
 * to fill the missing local address of a UDP tuple, and to tell local from
 * remote addresses.
 */
import type { InterfaceRecord } from '../scapfile/metadata.js';
import { FD_TYPE, type FdInfo } from './fds.js';
import { ipv4Number, ipv4Raw, ipv6Raw } from './rawaddr.js';

const LOOPBACK = 0x7f000001;
const V6_LOOPBACK = ipv6Raw('::1');

interface V4 { addr: number; netmask: number; name: string }
interface V6 { addr: Uint8Array; name: string }

function eq16(a: Uint8Array, ao: number, b: Uint8Array, bo: number): boolean {
  for (let i = 0; i < 16; i++) if (a[ao + i] !== b[bo + i]) return false;
  return true;
}

export class Interfaces {
  readonly v4: V4[] = [];
  readonly v6: V6[] = [];

  constructor(list: readonly InterfaceRecord[]) {
    for (const i of list) {
      if (i.family === 'ipv4') this.v4.push({ addr: ipv4Number(ipv4Raw(i.addr)), netmask: ipv4Number(ipv4Raw(i.netmask)), name: i.name });
      else this.v6.push({ addr: ipv6Raw(i.addr), name: i.name });
    }
  }

  inferIpv4(dest: number): number {
    for (const i of this.v4) if (i.addr === dest) return i.addr;
    for (const i of this.v4) if (((i.addr & i.netmask) >>> 0) === ((dest & i.netmask) >>> 0)) return i.addr;
    for (const i of this.v4) if (i.addr !== LOOPBACK) return i.addr;
    return 0;
  }

  /** Returns the inferred address (16 bytes), or all zeros. */
  inferIpv6(dest: Uint8Array, off: number): Uint8Array {
    for (const i of this.v6) if (eq16(i.addr, 0, dest, off)) return i.addr;
    for (const i of this.v6) if (eq16In64(i.addr, dest, off)) return i.addr;
    for (const i of this.v6) if (!eq16(i.addr, 0, V6_LOOPBACK, 0)) return i.addr;
    return new Uint8Array(16);
  }

  isIpv4Local(addr: number): boolean {
    return this.v4.some((i) => i.addr === addr);
  }

  isIpv6Local(b: Uint8Array, off: number): boolean {
    return this.v6.some((i) => eq16In64(i.addr, b, off));
  }

  /** libsinsp's update_fd: completes a half-known IPv4/IPv6 tuple with a local interface address. */
  updateFd(fi: FdInfo): void {
    const s = fi.sock;
    if (!s) return;
    if (fi.type === FD_TYPE.IPV4_SOCK) {
      const sip = s.v4sip;
      const dip = s.v4dip;
      if (sip !== 0 && dip !== 0) return;
      if (sip === 0) {
        const n = this.inferIpv4(dip);
        if (n === dip && s.v4sport === s.v4dport) return;
        s.v4sip = n;
      } else {
        const n = this.inferIpv4(sip);
        if (n === sip && s.v4sport === s.v4dport) return;
        s.v4dip = n;
      }
    } else if (fi.type === FD_TYPE.IPV6_SOCK) {
      const sEmpty = s.v6sipEmpty();
      const dEmpty = s.v6dipEmpty();
      if (!sEmpty && !dEmpty) return;
      if (sEmpty) {
        const n = this.inferIpv6(s.b, 16);
        if (eq16(n, 0, s.b, 16) && s.v6sport === s.v6dport) return;
        s.b.set(n, 0);
      } else {
        const n = this.inferIpv6(s.b, 0);
        if (eq16(n, 0, s.b, 0) && s.v6sport === s.v6dport) return;
        s.b.set(n, 16);
      }
    }
  }
}

/** libsinsp's ipv6addr::in_subnet: the first 64 bits match. */
function eq16In64(a: Uint8Array, b: Uint8Array, off: number): boolean {
  for (let i = 0; i < 8; i++) if (a[i] !== b[off + i]) return false;
  return true;
}
