#!/usr/bin/env node
/**
 * Benchmark `filter`: nanoseconds per event of a compiled filter, against the
 * reference AST interpreter in the same run, over real events.
 *
 * Needs the compiled library: run `npm run build` (or `npm run build:ts`) first.
 * Run through `npm run bench`, or alone: `node --expose-gc bench/filter.mjs`.
 *
 * Events: every event of the fixture captures (test/fixtures/scap/*.scap.gz,
 * read with ScapReader), copied over and over into a pool of BENCH_EVENTS
 * (default 500,000) fresh `Event` views, rebuilt before every timed pass so
 * no parameter decoding is cached from an earlier pass.
 *
 * Fields: a small stub field source standing in for lib/fields (evt.type is
 * `Event.name`, evt.dir and the open flags come from the event, proc.* from
 * the fixtures' process lists through a Map by tid, fd.name from the event's
 * `name` parameter). Extraction costs are therefore realistic in kind (a
 * getter, a Map lookup, a parameter decode) but not the real registry's.
 *
 * Cases:
 *   a  `evt.type=openat`
 *   b  a 5-clause Falco-like condition with `in` lists and `startswith`
 *   c  a rule condition expanded from 40 Falco-like macros
 * Strategies: `codegen` (the default: one generated function), `closure`
 * (closure tree) and `interpret` (reference interpreter, no per-event cache),
 * and `codegen-noprecheck` / `closure-noprecheck`: the same with a field source that
 * cannot tell event types, so the predicate runs on every event (worst case).
 * The interpreter never pre-checks types: it is the plain baseline.
 *
 * Prints one JSON line per (case, strategy): median and minimum ns/event over
 * BENCH_REPS (default 9) passes, taken in turns with the other strategies of
 * the case, the matches, and the speed-up against the interpreter; the
 * compile time of each case; then a `target` line: case b compiled (median)
 * must be ≤ 50 ns/event.
 *
 * Environment: BENCH_EVENTS, BENCH_REPS, BENCH_FIXTURES (folder of *.scap.gz).
 * Progress goes to stderr; stdout carries only JSON lines.
 */
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Event } from '../dist/events/index.js';
import { compileFilter, tableFieldSource } from '../dist/filter/index.js';
import { ScapReader } from '../dist/scapfile/index.js';

const BENCH = 'filter';
const TARGET_NS_B = 50;
const here = dirname(fileURLToPath(import.meta.url));
const fixtureDir = [process.env.BENCH_FIXTURES, join(here, '..', 'test', 'fixtures', 'scap')].find((d) => d && existsSync(d));
const POOL = Number(process.env.BENCH_EVENTS ?? 500_000);
const REPS = Math.max(3, Number(process.env.BENCH_REPS ?? 9));

const log = (msg) => process.stderr.write(`[${BENCH}] ${msg}\n`);
const emit = (obj) => process.stdout.write(`${JSON.stringify({ bench: BENCH, ...obj })}\n`);
const gc = () => globalThis.gc?.();

// ---------------------------------------------------------------------------
// Events and the thread table (what the state layer would provide)

/** Every fixture event as standalone bytes, and the threads of the process lists. */
async function loadFixtures() {
  const templates = [];
  const threads = new Map();
  for (const f of readdirSync(fixtureDir).filter((n) => n.endsWith('.scap.gz')).sort()) {
    const reader = await ScapReader.open(join(fixtureDir, f));
    for await (const batch of reader.batches()) {
      for (let i = 0; i < batch.length; i++) {
        const e = batch.at(i);
        templates.push({ bytes: e.toBytes(), cpu: e.cpu });
      }
    }
    for (const s of reader.sections) {
      for (const p of s.processes ?? []) {
        threads.set(p.tid, { tid: p.tid, ptid: p.ptid, comm: p.comm, exe: p.exe, cmdline: [p.comm, ...p.args].join(' ') });
      }
    }
  }
  // A crude stand-in for state tracking: threads born during the captures (clone/fork children,
  // execve) get their names from those events' parameters. The final table serves every event.
  for (const t of templates) {
    const e = new Event(t.bytes, new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength), 0);
    if (e.direction !== '<' || !['clone', 'fork', 'vfork', 'execve'].includes(e.name)) continue;
    const p = e.params();
    if (p.res !== 0 && e.name !== 'execve') continue;
    if (e.name === 'execve' && p.res !== 0) continue;
    const exe = typeof p.exe === 'string' ? p.exe : '';
    const args = typeof p.args === 'string' ? p.args.split('\0').filter(Boolean) : [];
    const comm = typeof p.comm === 'string' ? p.comm : exe.slice(exe.lastIndexOf('/') + 1);
    threads.set(e.tid, { tid: e.tid, ptid: typeof p.ptid === 'number' ? p.ptid : -1, comm, exe, cmdline: [comm, ...args].join(' ') });
  }
  return { templates, threads };
}

/** A pool of fresh Event views over the templates, repeated up to POOL events. */
function freshPool(templates) {
  const pool = new Array(POOL);
  for (let i = 0; i < POOL; i++) {
    const t = templates[i % templates.length];
    pool[i] = new Event(t.bytes, t.view, 0, t.cpu);
  }
  return pool;
}

// ---------------------------------------------------------------------------
// Stub field source

const thread = (e, ctx) => ctx.get(e.tid);
const parent = (e, ctx) => {
  const t = ctx.get(e.tid);
  return t === undefined ? undefined : ctx.get(t.ptid);
};
const OPEN_X = new Set(['open', 'openat', 'openat2']);
const openFlags = (e) => (e.direction === '<' && OPEN_X.has(e.name) ? e.param('flags') : undefined);

const FIELD_TABLE = [
    { name: 'evt.type', type: 'string', extract: (e) => e.name },
    { name: 'evt.dir', type: 'string', extract: (e) => e.direction },
    { name: 'evt.num', type: 'uint64', extract: () => 1 },
    { name: 'evt.rawres', type: 'int64', extract: (e) => (e.direction === '<' ? e.param('res') ?? e.param('fd') : undefined) },
    {
      name: 'evt.is_open_read',
      type: 'bool',
      extract: (e) => {
        const f = openFlags(e);
        return typeof f === 'number' ? (f & 1) !== 0 : undefined;
      },
    },
    {
      name: 'evt.is_open_write',
      type: 'bool',
      extract: (e) => {
        const f = openFlags(e);
        return typeof f === 'number' ? (f & 2) !== 0 : undefined;
      },
    },
    { name: 'proc.name', type: 'string', extract: (e, ctx) => thread(e, ctx)?.comm },
    { name: 'proc.exe', type: 'string', extract: (e, ctx) => thread(e, ctx)?.exe },
    { name: 'proc.cmdline', type: 'string', extract: (e, ctx) => thread(e, ctx)?.cmdline },
    { name: 'proc.pname', type: 'string', extract: (e, ctx) => parent(e, ctx)?.comm },
    { name: 'proc.pcmdline', type: 'string', extract: (e, ctx) => parent(e, ctx)?.cmdline },
    {
      name: 'proc.aname',
      type: 'string',
      arg: 'optional',
      noTransformer: true,
      anyOf: (arg) => arg === undefined,
      extract: (e, ctx, arg) => {
        let t = thread(e, ctx);
        if (arg !== undefined) {
          for (let n = Number(arg); t && n > 0; n--) t = ctx.get(t.ptid);
          return t?.comm;
        }
        const out = [];
        for (t = t && ctx.get(t.ptid); t && out.length < 64; t = ctx.get(t.ptid)) out.push(t.comm);
        return out;
      },
    },
    { name: 'fd.name', type: 'string', extract: (e) => (e.info?.paramIndex.has('name') ? e.param('name') : undefined) },
    {
      name: 'fd.directory',
      type: 'string',
      extract: (e) => {
        const n = e.info?.paramIndex.has('name') ? e.param('name') : undefined;
        return typeof n === 'string' ? n.slice(0, Math.max(1, n.lastIndexOf('/'))) : undefined;
      },
    },
    { name: 'fd.typechar', type: 'string', extract: (e) => (OPEN_X.has(e.name) ? 'f' : undefined) },
    { name: 'fd.num', type: 'int64', extract: (e) => (e.direction === '<' && OPEN_X.has(e.name) ? e.param('fd') : undefined) },
    { name: 'container.id', type: 'string', extract: () => 'host' },
    { name: 'user.name', type: 'string', extract: () => 'root' },
];
/** The stub source; it tells the event type, so compiled filters reject other types first. */
const FIELDS = tableFieldSource(FIELD_TABLE, { eventTypeOf: (e) => e.type });
/** The same fields without the type: the compiled filter runs on every event (the worst case). */
const FIELDS_NO_PRECHECK = tableFieldSource(FIELD_TABLE);

// ---------------------------------------------------------------------------
// The filters

const FILTER_A = 'evt.type=openat';

const FILTER_B =
  'evt.type in (open, openat, openat2) and evt.dir = < and proc.name in (cat, bash, sh, curl, python3, node) ' +
  'and fd.name startswith /etc and not proc.pname in (sshd, systemd, containerd)';

/** 40 macros in the style of Falco's default rules (paraphrased), and a rule condition over them. */
const MACROS = {
  open_write: '(evt.type in (open,openat,openat2) and evt.is_open_write=true and fd.typechar=f and fd.num>=0)',
  open_read: '(evt.type in (open,openat,openat2) and evt.is_open_read=true and fd.typechar=f and fd.num>=0)',
  never_true: '(evt.num=0)',
  always_true: '(evt.num>=0)',
  proc_name_exists: '(not proc.name in ("<NA>","N/A"))',
  container: '(container.id != host)',
  interactive: '((proc.aname=sshd and proc.name != sshd) or proc.name=systemd-logind or proc.name=login)',
  sensitive_file_names: '(fd.name in (/etc/shadow, /etc/sudoers, /etc/pam.conf, /etc/security/pwquality.conf))',
  sensitive_files: '(fd.name startswith /etc and (sensitive_file_names or fd.directory in (/etc/sudoers.d, /etc/pam.d)))',
  user_mgmt_binaries: '(proc.name in (login, passwd, su, useradd, userdel, usermod, groupadd, groupdel, chage, gpasswd, newgrp, sudo, vipw, vigr))',
  shell_binaries: '(proc.name in (ash, bash, csh, ksh, sh, tcsh, zsh, dash))',
  package_mgmt_binaries: '(proc.name in (dpkg, apt, apt-get, yum, rpm, dnf, zypper, pip, pip3, npm, snap, apk))',
  cron_binaries: '(proc.name in (anacron, cron, crond, crontab))',
  hids_binaries: '(proc.name in (aide, aide.wrapper, update-aide.con, logcheck, syslog-summary, osqueryd, ossec-syscheckd))',
  vpn_binaries: '(proc.name in (openvpn, wg-quick, strongswan))',
  mail_binaries: '(proc.name in (sendmail, postfix, procmail, exim4, mutt, mailx, dovecot))',
  db_server_binaries: '(proc.name in (mysqld, postgres, sqlplus, mongod, redis-server))',
  ansible_running_python: '(proc.name in (python, pypy, python3) and proc.cmdline contains ansible)',
  run_by_qualys: '(proc.pname=qualys-cloud-ag or proc.aname[2]=qualys-cloud-ag or proc.aname[3]=qualys-cloud-ag or proc.aname[4]=qualys-cloud-ag)',
  run_by_chef: '(proc.aname[2]=chef_command_wr or proc.aname[3]=chef_command_wr or proc.aname[2]=chef-client or proc.aname[3]=chef-client or proc.name=chef-client)',
  run_by_google_accounts_daemon: '(proc.aname[1] startswith google_accoun or proc.aname[2] startswith google_accoun or proc.aname[3] startswith google_accoun)',
  cmp_cp_by_passwd: '(proc.name in (cmp, cp) and proc.pname in (passwd, run-parts))',
  mandb_postinst: '(proc.name=perl and proc.cmdline startswith "perl /var/lib/dpkg/info/man-db.postinst")',
  perl_running_plesk: '(proc.cmdline startswith "perl /opt/psa/admin/bin/plesk_agent_manager" or proc.pcmdline startswith "perl /opt/psa/admin/bin/plesk_agent_manager")',
  perl_running_updmap: '(proc.cmdline startswith "perl /usr/bin/updmap")',
  perl_running_centrifydc: '(proc.cmdline startswith "perl /usr/share/centrifydc")',
  runuser_reading_pam: '(proc.name=runuser and fd.directory=/etc/pam.d)',
  linux_bench_reading_etc_shadow: '((proc.aname[2]=linux-bench and proc.name in (awk,cut,grep)) and (fd.name=/etc/shadow or fd.directory=/etc/pam.d))',
  veritas_driver_script: '(proc.cmdline startswith "perl /opt/VRTSsfmh/bin/mh_driver.pl")',
  parent_java_running_tomcat: '(proc.pname=java and proc.pcmdline contains org.apache.catalina.startup.Bootstrap)',
  parent_cpanm_running_perl: '(proc.pname=perl and proc.aname[2]=cpanm)',
  parent_supervise_running_multilog: '(proc.name=multilog and proc.pname=supervise)',
  amazon_linux_running_python_yum: '(proc.name = python and proc.pcmdline startswith "python -m amazon_linux_extras system_motd")',
  user_known_read_sensitive_files_activities: 'never_true',
  user_read_sensitive_file_conditions: 'cmp_cp_by_passwd',
  user_read_sensitive_file_containers: '(container and never_true)',
  trusted_readers: '(proc.name in (iptables, ps, lsb_release, check-new-relea, dumpe2fs, accounts-daemon, sshd, vsftpd, systemd, mysql_install_d, psql, screen, debconf-show, sa-update, pam-auth-update, pam-config, /usr/sbin/spamd, polkit-agent-he, lsattr, file, sosreport, scxcimservera, adclient, rtvscand, cockpit-session, userhelper, ossec-syscheckd))',
  known_helpers: '(proc.name in (in.proftpd, mandb, salt-call, salt-minion, google_oslogin_) or proc.name startswith "runc:")',
  sshd_reading: '(proc.aname[1]=sshd and proc.name in (sshd, ssh-agent))',
  excluded_readers:
    '(user_mgmt_binaries or shell_binaries or package_mgmt_binaries or cron_binaries or hids_binaries or vpn_binaries or mail_binaries or db_server_binaries or trusted_readers or known_helpers)',
};
const FILTER_C =
  'sensitive_files and open_read and proc_name_exists and not excluded_readers and not cmp_cp_by_passwd ' +
  'and not ansible_running_python and not run_by_qualys and not run_by_chef and not run_by_google_accounts_daemon ' +
  'and not user_read_sensitive_file_conditions and not mandb_postinst and not perl_running_plesk and not perl_running_updmap ' +
  'and not veritas_driver_script and not perl_running_centrifydc and not runuser_reading_pam and not linux_bench_reading_etc_shadow ' +
  'and not user_known_read_sensitive_files_activities and not user_read_sensitive_file_containers and not parent_java_running_tomcat ' +
  'and not parent_cpanm_running_perl and not parent_supervise_running_multilog and not amazon_linux_running_python_yum ' +
  'and not sshd_reading and not interactive';

/** Number of field checks in an AST (to describe case c). */
function countChecks(e) {
  switch (e.kind) {
    case 'and':
    case 'or':
      return e.children.reduce((n, c) => n + countChecks(c), 0);
    case 'not':
      return countChecks(e.child);
    default:
      return 1;
  }
}

// ---------------------------------------------------------------------------
// Timing

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

let sink = 0;

/**
 * A timing loop of its own for each measurement (a fresh function, so its call
 * site sees one predicate only, as an application's loop would): the predicate
 * over every event of a fresh pool; returns [seconds, matches].
 */
function makePass() {
  const loop = new Function('pool', 'match', 'ctx', 'let m = 0; for (let i = 0; i < pool.length; i++) if (match(pool[i], ctx)) m++; return m;');
  return (match, templates, ctx) => {
    const pool = freshPool(templates);
    gc();
    const t0 = process.hrtime.bigint();
    const m = loop(pool, match, ctx);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    return [s, m];
  };
}

/**
 * Times several predicates over the same events, taking turns pass by pass
 * (so a burst of load on the machine hits them alike). Returns, per label, the
 * median and the minimum ns/event over REPS passes, and the matches.
 */
function measureTogether(entries, templates, ctx) {
  const runs = entries.map(([label, match]) => ({ label, match, pass: makePass(), secs: [], matches: -1 }));
  for (const r of runs) r.pass(r.match, templates, ctx); // warm-up: JIT and inline caches
  for (let rep = 0; rep < REPS; rep++) {
    for (const r of runs) {
      const [s, m] = r.pass(r.match, templates, ctx);
      if (r.matches >= 0 && m !== r.matches) throw new Error(`${r.label}: ${m} matches, then ${r.matches}`);
      r.matches = m;
      r.secs.push(s);
    }
  }
  const out = {};
  for (const r of runs) {
    const ns = (median(r.secs) * 1e9) / POOL;
    const min = (Math.min(...r.secs) * 1e9) / POOL;
    log(`${r.label}: ${ns.toFixed(1)} ns/event (min ${min.toFixed(1)}), ${r.matches} matches`);
    sink += r.matches;
    out[r.label] = { ns, min, matches: r.matches };
  }
  return out;
}

// ---------------------------------------------------------------------------

if (!fixtureDir) throw new Error('no fixture folder (test/fixtures/scap or BENCH_FIXTURES)');
const { templates, threads } = await loadFixtures();
for (const t of templates) t.view = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);

emit({ case: 'env', node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, fixtureEvents: templates.length, events: POOL, reps: REPS, fields: 'stub' });

// The floor: the loop reading each fresh event's type code (touches every event, as any filter must).
const { loop } = measureTogether([['loop', (e) => e.type === 0xffff]], templates, threads);
emit({ case: 'loop', what: 'loop reading each event type code', nsPerEvent: +loop.ns.toFixed(2), nsPerEventMin: +loop.min.toFixed(2) });

const cases = [
  { id: 'a', text: FILTER_A },
  { id: 'b', text: FILTER_B },
  { id: 'c', text: FILTER_C, macros: MACROS },
];
const results = {};
for (const c of cases) {
  const entries = [];
  for (const variant of ['codegen', 'closure', 'interpret', 'codegen-noprecheck', 'closure-noprecheck']) {
    const strategy = variant.replace('-noprecheck', '');
    const fields = variant.endsWith('-noprecheck') ? FIELDS_NO_PRECHECK : FIELDS;
    const flt = compileFilter(c.text, fields, { strategy, macros: c.macros, maxDepth: 1000 });
    entries.push([variant, flt.match]);
    if (variant === 'codegen') {
      c.checks = countChecks(flt.ast);
      c.eventTypes = flt.eventTypes.length;
    }
  }
  log(`case ${c.id}: ${c.checks} checks, ${c.eventTypes} event types`);
  const byStrategy = measureTogether(entries, templates, threads);
  // Compile time (parse, macros, check, pushdown, code generation), median of 21.
  const compileTimes = [];
  for (let k = 0; k < 21; k++) {
    const t0 = process.hrtime.bigint();
    compileFilter(c.text, FIELDS, { macros: c.macros, maxDepth: 1000 });
    compileTimes.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  emit({ case: c.id, what: 'compile', ms: +median(compileTimes).toFixed(3) });
  const m = new Set(Object.values(byStrategy).map((r) => r.matches));
  if (m.size !== 1) throw new Error(`case ${c.id}: strategies disagree on matches (${[...m].join(', ')})`);
  for (const [strategy, r] of Object.entries(byStrategy)) {
    emit({
      case: c.id,
      strategy,
      nsPerEvent: +r.ns.toFixed(2),
      nsPerEventMin: +r.min.toFixed(2),
      matches: r.matches,
      vsInterpreter: +(byStrategy.interpret.ns / r.ns).toFixed(2),
      checks: c.checks,
      eventTypes: c.eventTypes,
      ...(c.macros ? { macros: Object.keys(c.macros).length } : {}),
    });
  }
  results[c.id] = byStrategy;
}

const b = results.b.codegen.ns;
emit({ case: 'target', what: 'case b compiled (codegen) ns/event', target: TARGET_NS_B, value: +b.toFixed(2), ok: b <= TARGET_NS_B });
if (sink < 0) console.log(sink);
