/**
 * The differential test of issue 4: `scap-ts -r FILE [options]` prints the
 * lines Debian's sysdig 0.29 prints, on every fixture: the default line,
 * `-p` formats with the state fields (proc, thread, fd, user, container),
 * `-j`, the buffer formats (-A, -x, -X, -b, -v) and the time formats (-t).
 * Zero differing lines expected; a failure shows the first differences.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { run } from '../../lib/cli/main.js';
import { FIXTURE_NAMES, fixture, noSysdig, sysdig } from '../helpers/env.js';

/** sysdig 0.29 cannot open the copy with section-header comments; it holds the same events as this one. */
const sysdigTwin = (name: string) => fixture(name === 'curl_google_comments' ? 'curl_google' : name);

async function ours(args: string[]): Promise<string> {
  let text = '';
  const code = await run(args, (s) => {
    text += s;
  });
  expect(code).toBe(0);
  return text;
}

/** Compares line by line; the message lists the first differing lines. */
function expectSameLines(theirs: string, mine: string, what: string): number {
  const a = theirs.split('\n');
  const b = mine.split('\n');
  const diffs: string[] = [];
  let differing = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    differing++;
    if (diffs.length < 5) diffs.push(`line ${i + 1}:\n  sysdig : ${JSON.stringify(a[i])?.slice(0, 400)}\n  scap-ts: ${JSON.stringify(b[i])?.slice(0, 400)}`);
  }
  expect(differing, `${what}: ${differing} differing lines (sysdig ${a.length - 1}, scap-ts ${b.length - 1})\n${diffs.join('\n')}`).toBe(0);
  return a.length - 1;
}

/** The fields issue 4 lists, in one -p format (with '*' so that every event prints). */
const ISSUE_FIELDS =
  '*%evt.num %evt.time %evt.outputtime %evt.rawtime %evt.cpu %evt.dir %evt.type %evt.res %evt.rawres %evt.failed ' +
  '%proc.name %proc.pid %proc.ppid %proc.pname %proc.cmdline %proc.exe %proc.exepath %proc.cwd %proc.args %thread.tid ' +
  '%user.name %user.uid %group.name %container.id | %fd.num %fd.type %fd.typechar %fd.name %fd.directory %fd.filename ' +
  '%fd.cip %fd.sip %fd.cport %fd.sport %fd.l4proto | %evt.info';

/** More fields, for the filter issue's sake: they print as sysdig prints them too. */
const MORE_FIELDS =
  '*%evt.num %evt.datetime %evt.rawtime.s %evt.rawtime.ns %evt.reltime %evt.latency %evt.is_io %evt.io_dir %proc.nthreads ' +
  '%proc.vpid %thread.vtid %proc.sid %proc.vpgid %proc.tty %user.loginuid %fd.is_server %fd.sockfamily %fd.uid %proc.exeline ' +
  '%proc.nchilds %proc.fdopencount %proc.fdlimit %proc.vmsize %proc.vmrss %thread.ismain %thread.pfminor %proc.aname[1] ' +
  '%proc.apid[2] %proc.pcmdline %user.homedir %fd.connected %thread.cgroups %evt.arg.name %evt.buffer %evt.time.s';

/** Fields issue 5 added, in two -p formats (sysdig 0.29 has each of them). */
export const ISSUE5_EVT_FIELDS =
  '*%evt.num %evt.time.iso8601 %evt.latency.s %evt.latency.ns %evt.latency.human %evt.deltatime %evt.deltatime.s %evt.deltatime.ns ' +
  '%evt.type.is.open %syscall.type %evt.category %evt.buflen %evt.is_wait %evt.wait_latency %evt.is_syslog %evt.count.error ' +
  '%evt.count.error.file %evt.count.error.net %evt.count.error.memory %evt.count.error.other %evt.count.exit %evt.abspath ' +
  '%evt.is_open_read %evt.is_open_write %evt.is_open_exec %evt.rawarg.res %evt.rawarg.name';
export const ISSUE5_PROC_FD_FIELDS =
  '*%evt.num %proc.loginshellid %proc.duration %proc.fdusage %proc.sname %thread.exectime %thread.totexectime %proc.aname %proc.apid ' +
  '%proc.aname[0] %proc.aname[3] %proc.apid[1] %proc.is_container_healthcheck %fd.lip %fd.rip %fd.lport %fd.rport %fd.cproto ' +
  '%fd.sproto %fd.lproto %fd.rproto %fd.containername %fd.containerdirectory %fdlist.nums %fdlist.names %fdlist.cips %fdlist.sips ' +
  '%fdlist.cports %fdlist.sports %container.image.id %container.type %container.privileged %container.image.repository ' +
  '%syslog.facility.str %syslog.message';

const VARIANTS: Array<{ what: string; args: string[] }> = [
  { what: 'default line', args: [] },
  { what: '-p issue fields', args: ['-p', ISSUE_FIELDS] },
  { what: '-p more fields', args: ['-p', MORE_FIELDS] },
  { what: '-p issue 5 evt fields', args: ['-p', ISSUE5_EVT_FIELDS] },
  { what: '-p issue 5 proc/fd/container fields', args: ['-p', ISSUE5_PROC_FD_FIELDS] },
  // Without '*', events missing a field are not printed.
  { what: '-p without *', args: ['-p', '%evt.num %evt.arg.fd %evt.arg[0] %fd.name %evt.rawarg.res %evt.args'] },
  { what: '-p widths', args: ['-p', '%evt.num %12proc.name|%5evt.type|%3thread.tid|%40fd.name|'] },
  { what: '-j', args: ['-j'] },
  { what: '-j -p', args: ['-j', '-p', ISSUE_FIELDS] },
  { what: '-A', args: ['-A'] },
  { what: '-x', args: ['-x'] },
  { what: '-X', args: ['-X'] },
  { what: '-b', args: ['-b'] },
  { what: '-v', args: ['-v'] },
  { what: '-j -x', args: ['-j', '-x'] },
  { what: '-t a', args: ['-t', 'a'] },
  { what: '-t r', args: ['-t', 'r'] },
  { what: '-t d', args: ['-t', 'd'] },
  { what: '-t D', args: ['-t', 'D'] },
];

/** Lines sysdig prints for each fixture with the default format (what the README quotes). */
const EXPECTED_LINES: Record<string, number> = {
  cat_write: 85,
  connect_localhost: 8,
  curl_google: 1221,
  curl_google_comments: 1221,
  'open-multiple-files': 86,
  single_ipv6_conn: 28,
  syscall: 12,
  test_ipv6_client: 68,
};

describe.skipIf(noSysdig)('scap-ts prints what sysdig 0.29 prints (SCAP_TS_REQUIRE_LIVE makes a missing sysdig fail)', () => {
  for (const name of FIXTURE_NAMES) {
    it(`${name}: every variant, zero differing lines`, async () => {
      for (const v of VARIANTS) {
        const theirs = sysdig(['-r', sysdigTwin(name), ...v.args]);
        const mine = await ours(['-r', fixture(name), ...v.args]);
        const n = expectSameLines(theirs, mine, `${name} ${v.what}`);
        if (v.args.length === 0) expect(n).toBe(EXPECTED_LINES[name]);
      }
    });
  }

  it('concatenated captures: state restarts per section, numbering goes on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scap-out-'));
    const path = join(dir, 'two.scap');
    writeFileSync(path, Buffer.concat([gunzipSync(readFileSync(fixture('cat_write'))), gunzipSync(readFileSync(fixture('connect_localhost')))]));
    const n = expectSameLines(sysdig(['-r', path]), await ours(['-r', path]), 'two sections');
    expect(n).toBe(93);
  });

  it('-pp prints the default format', async () => {
    expect(await ours(['-pp'])).toBe(`${sysdig(['-pp']).trim()}\n`);
  });
});
