/**
 * State transitions sysdig's fixtures do not exercise, in a trace written
 * here (0.29's event layouts: enter and exit pairs): fork and exec in a
 * container, relative paths, chdir/fchdir/getcwd, openat with a dirfd,
 * dup/fcntl/pipe/eventfd/close (also failed), poll fd lists, TCP client and
 * server (IPv4-mapped accept), UDP sendto/recvfrom and an fd never seen
 * created, socketpair, a unix socket to /dev/log (syslog decoding), setuid,
 * prlimit, a thread, an inverted clone, pid reuse, exits in either order, an
 * unknown thread. scap-ts must print what Debian's sysdig 0.29 prints.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../lib/cli/main.js';
import { noSysdig, sysdig } from '../helpers/env.js';
import { writeScenario } from '../helpers/scenario.js';

async function ours(args: string[]): Promise<string> {
  let text = '';
  expect(await run(args, (s) => (text += s))).toBe(0);
  return text;
}

const FORMATS = [
  '*%evt.num %evt.type %evt.res %evt.rawres %evt.failed %proc.name %proc.pid %proc.ppid %proc.pname %proc.cmdline %proc.exe %proc.exepath ' +
    '%proc.cwd %proc.args %thread.tid %user.name %user.uid %group.name %container.id %container.name | %fd.num %fd.type %fd.typechar ' +
    '%fd.name %fd.directory %fd.filename %fd.cip %fd.sip %fd.cport %fd.sport %fd.l4proto %fd.is_server %fd.sockfamily | %evt.info',
  // Issue 5's fields (evt.latency.human left out: 0.29 shows a stale value on the clone of a thread it never saw;
  // proc.fdusage too: 0.29's -j cannot write doubles).
  '*%evt.num %syscall.type %evt.category %evt.buflen %evt.is_wait %evt.wait_latency %evt.is_syslog %evt.count.error %evt.count.error.file ' +
    '%evt.count.error.net %evt.count.error.other %evt.count.exit %evt.abspath %evt.is_open_read %evt.is_open_write %proc.loginshellid ' +
    '%proc.duration %proc.sname %proc.aname %proc.apid %proc.aname[0] %proc.apid[1] %fd.lip %fd.rip %fd.lport %fd.rport ' +
    '%fd.cproto %fd.sproto %fd.lproto %fd.rproto %fd.containername %fd.containerdirectory %fdlist.names %fdlist.cips %fdlist.sports ' +
    '%container.type %container.privileged %syslog.facility.str %syslog.facility %syslog.severity.str %syslog.severity %syslog.message',
  '*%evt.num %proc.nchilds %proc.fdopencount %proc.fdlimit %proc.vmsize %thread.ismain %proc.aname[1] %proc.apid[2] %proc.vpid %thread.vtid %proc.sid %proc.vpgid %proc.tty %fd.connected %thread.cgroups %evt.arg.name %evt.buffer',
];

describe.skipIf(noSysdig)('a synthetic trace of the state transitions, against sysdig 0.29 (SCAP_TS_REQUIRE_LIVE requires sysdig)', () => {
  it('prints the same lines in every variant', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'scap-scen-')), 'scenario.scap');
    await writeScenario(path);
    const variants: string[][] = [[], ['-j'], ['-A'], ['-x'], ...FORMATS.map((f) => ['-p', f]), ...FORMATS.map((f) => ['-j', '-p', f])];
    for (const v of variants) {
      const theirs = sysdig(['-r', path, ...v]).split('\n');
      const mine = (await ours(['-r', path, ...v])).split('\n');
      const diffs = theirs.map((l, i) => (l === mine[i] ? '' : `line ${i + 1}:\n  sysdig : ${l}\n  scap-ts: ${mine[i]}`)).filter(Boolean);
      expect(diffs.slice(0, 3).join('\n'), v.join(' ')).toBe('');
      expect(mine.length, v.join(' ')).toBe(theirs.length);
    }
    const lines = sysdig(['-r', path]);
    expect(lines).toContain('< write syslog sev=notice msg=Jan  1 00:00:00 app: hello');
    expect(lines).toContain('< accept fd=15(<4t>10.0.2.2:55555->10.0.2.15:8443)');
  });
});
