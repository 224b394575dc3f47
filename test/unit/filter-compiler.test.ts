/**
 * Filter compiler: type checking (operator × type matrix, value parsing,
 * transformers, val()), evaluation (every operator, missing-field semantics,
 * list and any-of fields, caching), our own cases for each category of
 * libsinsp's compiler and operator tests. Every evaluation runs through the
 * generated function, the closure tree and the interpreter, which must agree.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileFilter,
  FilterCompileError,
  FilterSyntaxError,
  generateSource,
  parseFilter,
  checkFilter,
  eventTypesOf,
  tableFieldSource,
  type TableField,
  type FieldType,
} from '../../lib/filter/index.js';
import { PPME, PPM_EVENT_MAX } from '../../lib/events/index.js';

type Ev = Record<string, any>;

/** A field read from the test event object by its name (and argument). */
function f(name: string, type: TableField['type'], extra: Partial<TableField> = {}): TableField {
  return { name, type, extract: (e: Ev, _c, arg) => (arg === undefined ? e[name] : e[name]?.[arg]), ...extra };
}

const calls = new Map<string, number>();
function counted(name: string, type: FieldType): TableField {
  return {
    name,
    type,
    extract: (e: Ev) => {
      calls.set(name, (calls.get(name) ?? 0) + 1);
      return e[name];
    },
  };
}

const RAWARG_TYPES: Record<string, FieldType> = { res: 'int64', fd: 'int64', name: 'string', flags: 'uint32', size: 'uint32' };

export const FIELDS = tableFieldSource(
  [
    f('evt.type', 'string'),
    f('syscall.type', 'string'),
    f('evt.num', 'uint64'),
    f('evt.cpu', 'int16'),
    f('evt.res', 'string'),
    f('evt.rawres', 'int64'),
    f('evt.failed', 'bool'),
    f('evt.is_io', 'bool'),
    f('evt.is_wait', 'bool'),
    f('evt.buffer', 'bytes'),
    f('evt.rawtime', 'abstime'),
    f('evt.latency', 'reltime'),
    f('evt.source', 'string'),
    f('evt.args', 'string'),
    f('evt.plugininfo', 'string'),
    f('evt.dir', 'string'),
    f('evt.arg', 'string', { arg: 'required', dotted: true }),
    f('evt.rawarg', (arg: string | undefined) => (arg === undefined ? undefined : RAWARG_TYPES[arg]), { arg: 'required', dotted: true, noTransformer: true, noRhs: true }),
    f('evt.around', 'uint64', { arg: 'required', operators: ['='] }),
    f('evt.outputtime', 'string', { printOnly: true }),
    f('proc.name', 'string'),
    f('proc.pname', 'string'),
    f('proc.exe', 'string'),
    f('proc.cmdline', 'string'),
    f('proc.pid', 'int64'),
    f('proc.ppid', 'int64'),
    f('proc.tty', 'uint32'),
    f('proc.env', 'string', { arg: 'optional' }),
    // Ancestors: [N] is one ancestor (0 = the process itself); without an index, any ancestor from the parent up.
    {
      name: 'proc.aname',
      type: 'string',
      arg: 'optional',
      noTransformer: true,
      anyOf: (arg) => arg === undefined,
      extract: (e: Ev, _c, arg) => (arg === undefined ? e['proc.aname']?.slice(1) : e['proc.aname']?.[Number(arg)]),
    },
    {
      name: 'proc.apid',
      type: 'int64',
      arg: 'optional',
      noTransformer: true,
      anyOf: (arg) => arg === undefined,
      extract: (e: Ev, _c, arg) => (arg === undefined ? e['proc.apid']?.slice(1) : e['proc.apid']?.[Number(arg)]),
    },
    f('fd.num', 'int64'),
    f('fd.name', 'string'),
    f('fd.directory', 'string'),
    f('fd.filename', 'string'),
    f('fd.typechar', 'string'),
    f('fd.l4proto', 'string'),
    f('fd.sip', 'ipaddr'),
    f('fd.cip', 'ipaddr'),
    f('fd.sport', 'port'),
    f('fd.cport', 'port'),
    { name: 'fd.ip', type: 'ipaddr', anyOf: true, noTransformer: true, noRhs: true, extract: (e: Ev) => [e['fd.cip'], e['fd.sip']].filter((x) => x !== undefined) },
    { name: 'fd.net', type: 'ipnet', anyOf: true, noTransformer: true, noRhs: true, extract: (e: Ev) => [e['fd.cip'], e['fd.sip']].filter((x) => x !== undefined) },
    { name: 'fd.snet', type: 'ipnet', noRhs: true, extract: (e: Ev) => e['fd.sip'] },
    f('fd.types', 'string', { isList: true }),
    f('fd.nums', 'uint64', { isList: true }),
    // A command line as a list of words, for getopt().
    f('x.argv', 'string', { isList: true }),
    f('thread.cpu', 'double'),
    f('user.name', 'string'),
    f('c.true', 'uint64', { extract: () => 1 }),
    f('c.false', 'uint64', { extract: () => 0 }),
    counted('x.counted', 'string'),
    counted('x.other', 'string'),
  ],
  { eventTypeOf: (e: Ev) => e.code ?? -1 },
);

const STRATEGIES = ['codegen', 'closure', 'interpret'] as const;

/** The result of a filter on an event; the three strategies must agree. */
function run(filter: string, evt: Ev = {}): boolean {
  const results = STRATEGIES.map((strategy) => compileFilter(filter, FIELDS, { strategy }).match(evt));
  expect(results, `${filter} on ${JSON.stringify(evt, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}`).toEqual([results[0], results[0], results[0]]);
  return results[0];
}

function compileError(filter: string): FilterCompileError {
  try {
    compileFilter(filter, FIELDS);
  } catch (e) {
    if (e instanceof FilterCompileError) return e;
    throw e;
  }
  throw new Error(`compiled, but should not: ${filter}`);
}

const compiles = (filter: string) => expect(() => compileFilter(filter, FIELDS), filter).not.toThrow();

const OPENAT_X = PPME.SYSCALL_OPENAT_2_X;
const openEvt: Ev = { code: OPENAT_X, 'evt.type': 'openat', 'evt.num': 7, 'proc.name': 'cat', 'fd.name': '/opt/dir/subdir/file.txt', 'fd.num': 3, 'evt.arg': { flags: 'O_RDWR|O_CREAT', name: '/opt/dir/subdir/file.txt' } };

describe('filter compiler: evaluation of boolean structure', () => {
  it('evaluates the truth table with libsinsp precedence', () => {
    expect(run('c.true=1 or c.true=1 and c.false=1')).toBe(true);
    expect(run('(c.true=1 or c.true=1) and c.false=1')).toBe(false);
    expect(run('not not not c.true=1')).toBe(false);
    expect(run('not c.false=1 and c.true=1')).toBe(true);
    expect(run('c.false=1 or not (c.true=1 and c.false=1)')).toBe(true);
    expect(run('c.false=1 or c.false=1 or c.true=1')).toBe(true);
    expect(run('c.true=1 and c.true=1 and c.false=1')).toBe(false);
  });

  it('short-circuits left to right', () => {
    calls.clear();
    expect(run('c.false=1 and x.counted = a', { 'x.counted': 'a' })).toBe(false);
    expect(calls.get('x.counted') ?? 0).toBe(0);
    expect(run('c.true=1 or x.counted = a', { 'x.counted': 'a' })).toBe(true);
    expect(calls.get('x.counted') ?? 0).toBe(0);
  });
});

describe('filter compiler: missing fields', () => {
  it('makes every comparison false, != included; only exists sees presence', () => {
    const e = { 'proc.name': 'cat' };
    expect(run('fd.name = /etc/passwd', e)).toBe(false);
    expect(run('fd.name != /etc/passwd', e)).toBe(false);
    expect(run('not fd.name = /etc/passwd', e)).toBe(true);
    expect(run('not fd.name != /etc/passwd', e)).toBe(true);
    expect(run('fd.name exists', e)).toBe(false);
    expect(run('not fd.name exists', e)).toBe(true);
    expect(run('fd.num < 0', e)).toBe(false);
    expect(run('fd.num >= 0', e)).toBe(false);
    expect(run('fd.name in (a, b)', e)).toBe(false);
    expect(run('fd.name contains x or proc.name = cat', e)).toBe(true);
    expect(run('fd.name != x or fd.name = x', e)).toBe(false);
    expect(run('tolower(fd.name) != x', e)).toBe(false);
    expect(run('proc.name = val(fd.name)', e)).toBe(false);
    expect(run('proc.name != val(fd.name)', e)).toBe(false);
    expect(run('proc.aname = bash', e)).toBe(false);
    expect(run('proc.aname != bash', e)).toBe(false);
    expect(run('fd.types in (file)', e)).toBe(false);
  });

  it('treats null and an empty list as no value', () => {
    expect(run('fd.name exists', { 'fd.name': null })).toBe(false);
    expect(run('fd.name != x', { 'fd.name': null })).toBe(false);
    expect(run('fd.types exists', { 'fd.types': [] })).toBe(false);
    expect(run('fd.name exists', { 'fd.name': '' })).toBe(true);
    expect(run('fd.name = ""', { 'fd.name': '' })).toBe(true);
  });
});

describe('filter compiler: strings and quoting', () => {
  it('compares strings byte-exact, with quoted values unescaped', () => {
    expect(run("proc.name = 'hello \\'quoted\\''", { 'proc.name': "hello 'quoted'" })).toBe(true);
    expect(run('proc.name = "hello \\"quoted\\""', { 'proc.name': 'hello "quoted"' })).toBe(true);
    expect(run('proc.name = Cat', { 'proc.name': 'cat' })).toBe(false);
    expect(run('proc.name == cat', { 'proc.name': 'cat' })).toBe(true);
    expect(run('proc.cmdline = "cat /etc/passwd"', { 'proc.cmdline': 'cat /etc/passwd' })).toBe(true);
    expect(run('fd.typechar = 4', { 'fd.typechar': '4' })).toBe(true);
    expect(run("proc.name = 'caf\\xc3\\xa9'", { 'proc.name': 'café' })).toBe(true);
  });

  it('orders strings with < and >', () => {
    // The grammar wants a number after < <= > >=; on a string field it is compared as text.
    expect(run('proc.name > 5', { 'proc.name': 'cat' })).toBe(true);
    expect(run('proc.name < 5', { 'proc.name': '10' })).toBe(true);
    expect(run('proc.name >= 10', { 'proc.name': '10' })).toBe(true);
    expect(run('proc.name <= 09', { 'proc.name': '1' })).toBe(false);
  });

  it('implements contains, icontains, startswith, endswith', () => {
    expect(run('evt.arg.flags contains O_CREAT', openEvt)).toBe(true);
    expect(run('evt.arg.flags icontains o_creat', openEvt)).toBe(true);
    expect(run('evt.arg[flags] contains O_TMPFILE', openEvt)).toBe(false);
    expect(run('fd.name startswith /opt', openEvt)).toBe(true);
    expect(run('fd.name startswith /tmp', openEvt)).toBe(false);
    expect(run('fd.name endswith .txt', openEvt)).toBe(true);
    expect(run('fd.name endswith .TXT', openEvt)).toBe(false);
    expect(run('proc.name icontains ÉX', { 'proc.name': 'éxe' })).toBe(false); // ASCII case folding only
  });

  it('implements glob and iglob (fnmatch without FNM_PATHNAME)', () => {
    expect(run('fd.name glob /opt/*.txt', openEvt)).toBe(true); // * crosses /
    expect(run('fd.name glob /opt/dir/sub?ir/*', openEvt)).toBe(true);
    expect(run("fd.name glob '/opt/dir/sub[a-d]ir/file.txt'", openEvt)).toBe(true);
    expect(run("fd.name glob '/opt/dir/sub[!d]ir/file.txt'", openEvt)).toBe(false);
    expect(run('fd.name glob /OPT/*', openEvt)).toBe(false);
    expect(run('fd.name iglob /OPT/*', openEvt)).toBe(true);
    expect(run("fd.name glob '/opt/dir/subdir/file\\\\.txt'", openEvt)).toBe(true); // the glob sees \. : a literal dot
    expect(run("fd.name glob '/opt/dir/subdir/file\\\\*'", openEvt)).toBe(false); // \* : a literal star
  });

  it('implements regex as an RE2 full match', () => {
    const e = { 'evt.source': 'syscall' };
    expect(run("evt.source regex '^[s]{1}ysca[l]{2}$'", e)).toBe(true);
    expect(run("evt.source regex 'syscal.*'", e)).toBe(true);
    expect(run("evt.source regex 'yscal.*'", e)).toBe(false);
    expect(run("toupper(evt.source) regex '^[A-Z]+$'", e)).toBe(true);
    expect(run("evt.source regex '[[:alpha:]]+'", e)).toBe(true);
  });

  it('implements pmatch: component-wise path prefixes, components may be globs', () => {
    expect(run('fd.name pmatch (/opt/dir)', openEvt)).toBe(true);
    expect(run('fd.name pmatch (/opt/dir2)', openEvt)).toBe(false);
    expect(run('fd.name pmatch (/opt/di)', openEvt)).toBe(false);
    expect(run('fd.name pmatch (/opt/*/subdir)', openEvt)).toBe(true);
    expect(run('fd.name pmatch (/opt/di?/subdir)', openEvt)).toBe(true);
    expect(run('fd.name pmatch (/opt/di[!r]/subdir)', openEvt)).toBe(false);
    expect(run('fd.name pmatch (/opt/*/*/subsubdir)', openEvt)).toBe(false);
    expect(run('fd.name pmatch (/tmp, /opt/dir/subdir/file.txt)', openEvt)).toBe(true);
    expect(run('fd.name pmatch (/)', openEvt)).toBe(true);
  });

  it('implements in and intersects on scalars (set membership)', () => {
    expect(run('proc.name in (cat, ls)', openEvt)).toBe(true);
    expect(run('proc.name in (bash, sh, zsh, dash, ksh, csh)', openEvt)).toBe(false);
    expect(run('proc.name in (bash, sh, zsh, dash, ksh, cat)', openEvt)).toBe(true);
    expect(run('proc.name intersects (cat)', openEvt)).toBe(true);
    expect(run('proc.name in ()', openEvt)).toBe(false);
    expect(run('not proc.name in ()', openEvt)).toBe(true);
    expect(run('proc.name in cat', openEvt)).toBe(true); // a bare list name is one literal value
  });
});

describe('filter compiler: numbers', () => {
  const epoll = { 'evt.type': 'epoll_create', 'evt.rawarg': { res: -22 }, 'evt.rawres': -22, 'evt.cpu': 1 };

  it('compares signed and unsigned integers', () => {
    expect(run('evt.rawarg.res < -1', epoll)).toBe(true);
    expect(run('evt.rawarg.res > 4294967295', epoll)).toBe(false);
    expect(run('evt.cpu > -500', epoll)).toBe(true);
    expect(run('evt.rawres = -22', epoll)).toBe(true);
    expect(run('evt.rawres != -22', epoll)).toBe(false);
    expect(run('evt.rawres in (1, -22)', epoll)).toBe(true);
    expect(run('evt.rawres <= -22 and evt.rawres >= -22', epoll)).toBe(true);
  });

  it('handles failed opens (fd -1)', () => {
    expect(run('fd.num >= 0', { 'fd.num': -1 })).toBe(false);
    expect(run('fd.num < 0', { 'fd.num': -1 })).toBe(true);
  });

  it('compares 64-bit values given as bigint exactly', () => {
    const e = { 'evt.rawtime': 1_700_000_000_123_456_789n, 'evt.num': 9_007_199_254_740_993n };
    expect(run('evt.rawtime = 1700000000123456789', e)).toBe(true);
    expect(run('evt.rawtime = 1700000000123456788', e)).toBe(false);
    expect(run('evt.rawtime > 1700000000123456788', e)).toBe(true);
    expect(run('evt.num in (9007199254740993)', e)).toBe(true);
    expect(run('evt.num = 9007199254740992', e)).toBe(false);
    expect(run('evt.latency = 5', { 'evt.latency': 5n })).toBe(true);
    expect(run('evt.latency in (5, 6)', { 'evt.latency': 5n })).toBe(true);
  });

  it('wraps negative values for unsigned fields as a C cast does', () => {
    expect(run('proc.tty = -1', { 'proc.tty': 4294967295 })).toBe(true);
    expect(run('evt.num = -1', { 'evt.num': 18446744073709551615n })).toBe(true);
  });

  it('accepts port service names', () => {
    expect(run('fd.sport = 443', { 'fd.sport': 443 })).toBe(true);
    expect(run('fd.sport in (80, 443)', { 'fd.sport': 443 })).toBe(true);
    // /etc/services may be absent in minimal images; only check when it resolves.
    let https = true;
    try {
      compileFilter('fd.sport = https', FIELDS);
    } catch {
      https = false;
    }
    if (https) expect(run('fd.sport = https', { 'fd.sport': 443 })).toBe(true);
  });
});

describe('filter compiler: booleans', () => {
  it('accepts true and false only, with =, !=, in', () => {
    expect(run('evt.failed = true', { 'evt.failed': true })).toBe(true);
    expect(run('evt.failed = false', { 'evt.failed': true })).toBe(false);
    expect(run('evt.failed != false', { 'evt.failed': 1 })).toBe(true);
    expect(run('evt.failed in (false)', { 'evt.failed': 0 })).toBe(true);
    expect(() => compileFilter('evt.is_io < true', FIELDS)).toThrow(FilterSyntaxError); // < wants a number
    expect(compileError('evt.is_io contains true').reason).toBe("'contains' operator not supported for boolean filters");
    expect(compileError('evt.is_io > 1').reason).toBe("'>' operator not supported for boolean filters");
    expect(compileError('evt.is_io = TRUE')).toMatchObject({ column: 13, token: 'TRUE' });
    expect(compileError('evt.is_io = 1').reason).toBe('"1" is not a valid boolean (true or false)');
  });
});

describe('filter compiler: addresses and networks', () => {
  // connect 172.40.111.222:54321 -> 142.251.111.147:443
  const conn = { 'evt.type': 'connect', 'fd.cip': '172.40.111.222', 'fd.sip': '142.251.111.147', 'fd.cport': 54321, 'fd.sport': 443 };
  const conn6 = { 'fd.cip': '::1', 'fd.sip': '2001:db8::1', 'fd.sport': 80 };

  it('compares IPv4 and IPv6 addresses by value', () => {
    expect(run('fd.sip == 142.251.111.147', conn)).toBe(true);
    expect(run('fd.cip == 172.40.111.222', conn)).toBe(true);
    expect(run("fd.sip == '0:0:0:0:0:0:0:1'", conn)).toBe(false);
    expect(run("fd.sip != '0:0:0:0:0:0:0:1'", conn)).toBe(true);
    expect(run('fd.sip in (10.0.0.1, 142.251.111.147)', conn)).toBe(true);
    expect(run("fd.cip = '0:0:0:0:0:0:0:1'", conn6)).toBe(true);
    expect(run('fd.cip = ::1', conn6)).toBe(true);
    expect(run("fd.sip = '2001:0db8:0000::0001'", conn6)).toBe(true);
    expect(run('fd.sip in (::1, 2001:db8::1)', conn6)).toBe(true);
  });

  it('matches CIDR networks', () => {
    expect(run('fd.net == 142.251.0.0/8', conn)).toBe(true);
    expect(run('fd.net == 142.0.0.0/4', conn)).toBe(true);
    expect(run('fd.snet = 142.251.111.147/32', conn)).toBe(true);
    expect(run('fd.snet != 10.0.0.0/8', conn)).toBe(true);
    expect(run("fd.snet in ('10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16')", conn)).toBe(false);
    expect(run("not fd.snet in ('10.0.0.0/8', '142.0.0.0/8')", conn)).toBe(false);
    expect(run('fd.snet = 2001:db8::/32', conn6)).toBe(true);
    expect(run('fd.snet = 2001:db9::/32', conn6)).toBe(false);
    expect(run('fd.snet = 10.0.0.0/8', conn6)).toBe(false);
  });

  it('matches either side for fd.ip and fd.net (any-of fields)', () => {
    expect(run('fd.ip = 172.40.111.222', conn)).toBe(true);
    expect(run('fd.ip = 142.251.111.147', conn)).toBe(true);
    expect(run('fd.ip = 1.2.3.4', conn)).toBe(false);
    expect(run('fd.net = 172.0.0.0/8', conn)).toBe(true);
  });

  it('rejects operators and values that do not fit addresses', () => {
    expect(compileError('fd.sip < 127').reason).toBe("'<' operator not supported for ip address and network filters");
    expect(compileError('fd.sip contains 127').column).toBe(8);
    expect(compileError('fd.sip = 127.0.0.256').reason).toBe('"127.0.0.256" is not a valid IP address');
    expect(compileError('fd.sip = ::ffff:1.2.3.4').column).toBe(10); // a '.' means IPv4, as in libsinsp
    expect(compileError('fd.snet = 127.0.0.1').reason).toContain('not a valid CIDR network');
    expect(compileError('fd.snet = 127.0.0.1/33').column).toBe(11);
    compiles('fd.ip = 127.0.0.1');
    compiles('fd.net = 127.0.0.1/32');
  });
});

describe('filter compiler: byte buffers', () => {
  const e = { 'evt.buffer': new TextEncoder().encode('hello') };

  it('implements bcontains/bstartswith with hex values, and string operators on bytes', () => {
    expect(run('evt.buffer bcontains 656c6C', e)).toBe(true);
    expect(run('evt.buffer bstartswith 65', e)).toBe(false);
    expect(run('evt.buffer bstartswith 6865', e)).toBe(true);
    expect(run('evt.buffer contains ell', e)).toBe(true);
    expect(run('evt.buffer startswith he', e)).toBe(true);
    expect(run('evt.buffer endswith llo', e)).toBe(true);
    expect(run('evt.buffer = hello', e)).toBe(true);
    expect(run('evt.buffer = hell', e)).toBe(false);
    expect(run('evt.buffer != hell', e)).toBe(true);
    expect(run('evt.buffer = "a\\x00b"', { 'evt.buffer': Uint8Array.of(0x61, 0, 0x62) })).toBe(true);
    expect(run('evt.buffer contains "\\xff"', { 'evt.buffer': Uint8Array.of(1, 0xff) })).toBe(true);
    expect(run('len(evt.buffer) = 5', e)).toBe(true);
  });

  it('rejects what libsinsp rejects', () => {
    expect(compileError('evt.buffer icontains test').reason).toBe("'icontains' operator not supported for buffer filters");
    compiles('evt.buffer startswith test');
    expect(compileError('fd.name bcontains 303000').reason).toBe("'bcontains' operator not supported for string filters");
    expect(compileError('evt.buffer bcontains 2g').column).toBe(22);
    expect(compileError('evt.buffer bcontains 2').reason).toBe('bcontains needs a hex string of even length, not "2"');
  });
});

describe('filter compiler: list fields', () => {
  const e = { 'fd.types': ['file', 'ipv4'], 'fd.nums': [0, 1, 2] };

  it('in: every value in the set; intersects: some value in it', () => {
    expect(run('fd.types in (file, ipv4, unix)', e)).toBe(true);
    expect(run('fd.types in (file)', e)).toBe(false);
    expect(run('fd.types intersects (file)', e)).toBe(true);
    expect(run('fd.types intersects (pipe)', e)).toBe(false);
    expect(run('fd.nums in (0, 1, 2, 3)', e)).toBe(true);
    expect(run('len(fd.types) = 2', e)).toBe(true);
    expect(run('fd.types exists', e)).toBe(true);
  });

  it('allows only in, intersects and exists', () => {
    expect(compileError('fd.types = file').reason).toBe("'=' operator not supported for list filters (only 'exists', 'in' and 'intersects')");
    expect(compileError('fd.types contains file').column).toBe(10);
  });
});

describe('filter compiler: field arguments and any-of fields', () => {
  const e = { 'proc.name': 'bash', 'proc.aname': ['bash', 'sshd', 'systemd'], 'proc.apid': [300, 200, 1], 'proc.env': { HOME: '/root' } };

  it('reads indexed ancestors, and any ancestor without an index', () => {
    expect(run('proc.aname[0] = bash', e)).toBe(true);
    expect(run('proc.aname[1] = sshd', e)).toBe(true);
    expect(run('proc.aname[2] = systemd', e)).toBe(true);
    expect(run('proc.aname[3] = systemd', e)).toBe(false);
    expect(run('proc.aname[3] != systemd', e)).toBe(false);
    expect(run('proc.aname = sshd', e)).toBe(true);
    expect(run('proc.aname = bash', e)).toBe(false); // from the parent up
    expect(run('proc.aname in (sshd, login)', e)).toBe(true);
    expect(run('proc.aname != sshd', e)).toBe(true); // systemd is not sshd
    expect(run('proc.apid[1] = 200', e)).toBe(true);
    expect(run('proc.apid = 1', e)).toBe(true);
    expect(run('proc.apid < 2', e)).toBe(true);
    expect(run('(proc.aname=sshd and proc.name != sshd) or proc.name=systemd-logind', e)).toBe(true);
    expect(run('proc.env[HOME] = /root', e)).toBe(true);
    expect(run("proc.env['HOME'] = /root", e)).toBe(true);
  });

  it('reads dotted and bracket event arguments', () => {
    expect(run('evt.arg.name = /opt/dir/subdir/file.txt', openEvt)).toBe(true);
    expect(run('evt.arg[name] = /opt/dir/subdir/file.txt', openEvt)).toBe(true);
    expect(run('evt.arg.nope exists', openEvt)).toBe(false);
  });

  it('types evt.rawarg by its argument', () => {
    compiles('evt.rawarg.res < 0');
    compiles('evt.rawarg.name startswith /etc');
    compiles('evt.rawarg.name < 0');
    expect(compileError('evt.rawarg.name bcontains 00').reason).toBe("'bcontains' operator not supported for string filters");
    expect(compileError('evt.rawarg.res contains 1').reason).toBe("'contains' operator not supported for numeric filters (field type int64)");
    expect(compileError('evt.rawarg.bogus = 1')).toMatchObject({ column: 1, token: 'evt.rawarg.bogus', reason: "field 'evt.rawarg' has no argument 'bogus'" });
  });

  it('checks arguments and operator restrictions', () => {
    expect(compileError('proc.name[1] = x')).toMatchObject({ column: 1, reason: "field 'proc.name' does not take an argument" });
    expect(compileError('evt.arg = x')).toMatchObject({ column: 1, reason: "field 'evt.arg' requires an argument" });
    compiles('evt.around[1700000000000000000] = 1000');
    expect(compileError('evt.around[1] > 1000')).toMatchObject({ column: 15, token: '>', reason: "field 'evt.around[1]' does not support the '>' operator" });
    expect(compileError('evt.outputtime = x')).toMatchObject({ reason: "field 'evt.outputtime' cannot be used in filters" });
  });
});

describe('filter compiler: transformers', () => {
  const e = { 'fd.name': '/tmp/file_to_run', 'proc.name': 'MyExe', 'evt.source': 'syscall', 'user.name': 'aGVsbG8=' };

  it('applies tolower, toupper, b64, basename, len, nested and on both sides', () => {
    expect(run('basename(fd.name) = file_to_run', e)).toBe(true);
    expect(run('len(fd.name) = 16', e)).toBe(true);
    expect(run('tolower(proc.name) = myexe', e)).toBe(true);
    expect(run('toupper(proc.name) = MYEXE', e)).toBe(true);
    expect(run('tolower(toupper(evt.source)) = syscall', e)).toBe(true);
    expect(run('b64(user.name) = hello', e)).toBe(true);
    expect(run('b64(proc.name) exists', e)).toBe(false); // not base64: no value
    expect(run('tolower(proc.name) = tolower(proc.name)', e)).toBe(true);
    expect(run('toupper(evt.source) = toupper(proc.name)', e)).toBe(false);
    expect(run('len(proc.name) < len(fd.name)', e)).toBe(true);
    expect(run("basename(fd.name) = ''", { 'fd.name': '/hello/' })).toBe(true);
    expect(run('basename(fd.name) = hello', { 'fd.name': 'hello' })).toBe(true);
    expect(run('len(fd.name) = 6', { 'fd.name': 'héllo' })).toBe(true); // bytes, as strnlen
  });

  it('rejects transformers on the wrong types and fields', () => {
    expect(compileError('toupper(evt.rawres) = -1')).toMatchObject({ column: 1, token: 'toupper', reason: "'toupper' transformer is not supported for field type 'int64'" });
    expect(compileError('toupper(evt.rawarg.res) = -1').reason).toBe("field 'evt.rawarg' does not support transformers");
    expect(compileError('tolower(proc.aname) = x').reason).toBe("field 'proc.aname' does not support transformers");
    expect(compileError('len(proc.pid) = 1').reason).toBe("'len' transformer is not supported for field type 'int64'");
    expect(compileError('len(fd.name) = abc')).toMatchObject({ column: 16, token: 'abc' });
    expect(compileError('tolower(fd.name)[1] = x').reason).toBe("transformer 'tolower' does not support field arguments");
    expect(compileError('tolower(fd.name, fd.name) = x').reason).toBe("transformer 'tolower' takes exactly one field");
    expect(compileError('tolower("x") = x').reason).toBe("transformer 'tolower' takes a field or another transformer, not a literal");
  });
});

describe('filter compiler: join, concat and getopt', () => {
  const e = { 'fd.name': '/tmp/file_to_run', 'fd.directory': '/tmp', 'evt.num': 1, 'proc.pid': 42, 'proc.name': 'nt:', 'fd.types': ['file', 'ipv4'], 'fd.nums': [3, 4] };

  it('join: list items (fields, literals, numbers in decimal, transformers) between separators', () => {
    expect(run('join("-", (fd.name, fd.directory)) = /tmp/file_to_run-/tmp', e)).toBe(true);
    expect(run('join("-", (fd.name, fd.directory)) = /tmp/test', e)).toBe(false);
    expect(run('len(join("-", (fd.name, fd.directory))) > 5', e)).toBe(true);
    expect(run('len(join("-", (fd.name, fd.directory))) = 21', e)).toBe(true);
    expect(run('join(",", (evt.num, proc.pid, 7, "x")) = "1,42,7,x"', e)).toBe(true);
    expect(run('join("->", ("aaa")) = aaa', e)).toBe(true);
    expect(run('join(fd.directory, ("a", "b", "c")) = a/tmpb/tmpc', e)).toBe(true);
    expect(run('join("-", (fd.directory, join("->", ("aaa", toupper(fd.name))))) = /tmp-aaa->/TMP/FILE_TO_RUN', e)).toBe(true);
    expect(run('toupper(join("-", (fd.name, fd.directory))) startswith /TMP/FILE', e)).toBe(true);
    expect(run('b64(join("W", ("YWFhL", "JiYg"))) = "aaa-bbb"', e)).toBe(true);
    expect(run('fd.name = concat(fd.directory, "/file_to_run")', e)).toBe(true);
    expect(run('join("-", (fd.name, fd.directory)) in (x, /tmp/file_to_run-/tmp)', e)).toBe(true);
  });

  it('join: an empty list gives the empty string; list-valued items are spliced in', () => {
    expect(run('join("-", ()) = /tmp', e)).toBe(false);
    expect(run('join(",", ()) = ""', e)).toBe(true);
    expect(run('join(",", ()) = ","', e)).toBe(false);
    expect(run('join(",", ()) exists', e)).toBe(true);
    expect(run('join("+", fd.types) = file+ipv4', e)).toBe(true);
    expect(run('join("+", (fd.types, fd.name, fd.nums)) = file+ipv4+/tmp/file_to_run+3+4', e)).toBe(true);
  });

  it('concat: two or more strings end to end', () => {
    expect(run('concat(fd.name, "aaa") = /tmp/file_to_runaaa', e)).toBe(true);
    expect(run('concat("aaa", "bbb", "ccc") = aaabbbccc', e)).toBe(true);
    expect(run('concat(fd.directory, concat("aaa", toupper(fd.name))) = /tmpaaa/TMP/FILE_TO_RUN', e)).toBe(true);
    expect(run('len(concat(fd.name, fd.directory)) = 20', e)).toBe(true);
    expect(run('concat("aaa", "bbb") = "aaa-bbb"', e)).toBe(false);
  });

  it('has no value when any part has none (the separator, a list item, a concat argument)', () => {
    const noDir = { 'fd.name': '/tmp/x' };
    for (const flt of ['join("-", (fd.name, fd.directory))', 'join(fd.directory, ("a", "b"))', 'concat(fd.name, fd.directory)', 'join("-", fd.types)']) {
      expect(run(`${flt} exists`, noDir)).toBe(false);
      expect(run(`${flt} != x`, noDir)).toBe(false);
      expect(run(`not ${flt} = x`, noDir)).toBe(true);
    }
    expect(run('join("-", fd.types) exists', { 'fd.types': [] })).toBe(false); // an empty list field is no value
    expect(run('join("-", ("a", fd.name)) = a-/tmp/x', noDir)).toBe(true);
  });

  it('getopt: options in order, each followed by its argument; `?` for unknown ones', () => {
    expect(run('getopt(("-t", "hello"), "t:") intersects ("t", "hello")')).toBe(true);
    const argv = (words: string[]) => ({ 'x.argv': words });
    const opts = (words: string[], optstring: string, wanted: string) => run(`getopt(x.argv, "${optstring}") in (${wanted})`, argv(words)) && run(`getopt(x.argv, "${optstring}") exists`, argv(words));
    // `in`: every option found is in the list, so the list names exactly what may be found.
    expect(opts(['-n', '-t', 'hello', 'file', '-x'], 'nt:', 'n, t, hello')).toBe(true); // stops at the first non-option
    expect(opts(['-nthello'], 'nt:', 'n, t, hello')).toBe(true); // a cluster; an argument glued to its option
    expect(opts(['-nt', 'hello'], 'nt:', 'n, t')).toBe(false); // "hello" is t's argument
    expect(opts(['-lpe', '/bin/sh'], 'lp:e:', 'l, p, e')).toBe(true); // p takes the rest of the word: "e"
    expect(opts(['-lpe', '/bin/sh'], 'lpe:', 'l, p, e, /bin/sh')).toBe(true);
    expect(opts(['-n', '--', '-t', 'x'], 'nt:', 'n')).toBe(true); // -- ends the options
    expect(opts(['--exec', '-n'], 'n', 'n')).toBe(true); // long options are skipped
    expect(opts(['-', '-n'], 'n', 'n')).toBe(true); // '-' alone ends the options: nothing found, `in` holds vacuously
    expect(run('getopt(("-", "-n"), "n") intersects (n)')).toBe(false);
    expect(opts(['-x', '-n', '-:'], 'n', '"?", n')).toBe(true); // unknown options, ':' included
    expect(opts(['-t'], 't:', '""')).toBe(true); // a missing argument is "" (not the option)
    expect(opts(['-t'], ':t:', '""')).toBe(true); // a leading ':' changes nothing
    expect(opts(['-n', '-t'], '', '"?"')).toBe(true); // an empty optstring knows no option
    expect(opts(['-t', 'v1', '-t', 'v2'], 't:', 't, v1, v2')).toBe(true);
    expect(opts(['-@', '-+'], '@+', '"@", "+"')).toBe(true); // any character can be an option
    expect(opts(['-a1b2c3'], 'a1b2c3', 'a, "1", b, "2", c, "3"')).toBe(true);
  });

  it('getopt(...)[opt]: the last value of that option, no value when it does not occur', () => {
    const e2 = { 'x.argv': ['-n', '-t', 'v1', '-t', 'v2'], 'proc.name': 'nt:' };
    expect(run('getopt(x.argv, "nt:")[t] = v2', e2)).toBe(true);
    expect(run('getopt(x.argv, "nt:")[t] = v1', e2)).toBe(false);
    expect(run('getopt(x.argv, "nt:")[n] = n', e2)).toBe(true); // an option without argument gives its name
    expect(run('getopt(x.argv, proc.name)[t] = v2', e2)).toBe(true); // the optstring may come from a field
    expect(run('getopt(x.argv, "n")[t] exists', e2)).toBe(false); // -t unknown: no value
    expect(run('getopt(x.argv, "n")[t] != ""', e2)).toBe(false);
    expect(run('getopt(("-t"), "t:")[t] = ""')).toBe(true);
    expect(run('getopt(("-t", "v1", "-t"), "t:")[t] = ""')).toBe(true);
    expect(run('getopt(("-t?"), "t:")[t] = "?"')).toBe(true);
    expect(run('toupper(getopt(x.argv, "nt:")) intersects (V2)', e2)).toBe(true);
    expect(run('len(getopt(x.argv, "nt:")) = 5', e2)).toBe(true);
    expect(run('getopt(x.argv, "nt:") exists', {})).toBe(false);
  });

  it.each([
    ['join("-") = a', 1, 'join', 'join() requires exactly 2 arguments: separator and list'],
    ['join("-", ("a"), ("b")) = a', 1, 'join', 'join() requires exactly 2 arguments: separator and list'],
    ['join("a", "b") = foo', 11, 'b', 'join() second argument must be a list'],
    ['join(fd.types, ("a", "b")) = foo', 6, 'fd.types', 'join() first argument (separator) must be a single value, not a list'],
    ['join(("a", "b"), ("a", "b")) = foo', 6, '(', 'join() first argument (separator) must be a single value, not a list'],
    ['join(evt.num, ("a", "b")) = foo', 6, 'evt.num', 'join() first argument (separator) must be a string'],
    ['join("-", (fd.name, evt.failed)) = foo', 21, 'evt.failed', 'transformer list elements must be strings or numbers'],
    ['join("-", (fd.ip)) = foo', 12, 'fd.ip', "field 'fd.ip' does not support transformers"],
    ['join("-", (fd.nope)) = foo', 12, 'fd.nope', "unknown field 'fd.nope'"],
    ['join("-", ("a"))[1] = a', 1, 'join', "transformer 'join' does not support field arguments"],
    ['concat("aaa") = foo', 1, 'concat', 'concat() requires at least 2 arguments'],
    ['concat(fd.types, "a") = foo', 8, 'fd.types', 'concat() arguments must be strings'],
    ['concat("a", ("a", "b")) = foo', 13, '(', 'concat() arguments must be strings'],
    ['concat(fd.name, len(fd.name)) = foo', 17, 'len', 'concat() arguments must be strings'],
    ['getopt(("a")) intersects (n)', 1, 'getopt', 'getopt() requires exactly 2 arguments: args list and optstring'],
    ['getopt(("a"), "n", "extra") intersects (n)', 1, 'getopt', 'getopt() requires exactly 2 arguments: args list and optstring'],
    ['getopt("not_a_list", "n") intersects (n)', 8, 'not_a_list', 'getopt() first argument must be a list'],
    ['getopt(("-n"), ("n")) intersects (n)', 16, '(', 'getopt() second argument (optstring) must be a single value'],
    ['getopt(fd.nums, "n") intersects (n)', 8, 'fd.nums', 'getopt() arguments must be strings'],
    ['getopt(("-n"), "n")[""] = n', 1, 'getopt', 'getopt() field argument must be a single option character'],
    ['getopt(("-n"), "n")[nt] = n', 1, 'getopt', 'getopt() field argument must be a single option character'],
    ['getopt(("-n"), "n") = n', 21, '=', "'=' operator not supported for list filters (only 'exists', 'in' and 'intersects')"],
    ['proc.pid = concat("a", "b")', 12, 'concat', "field 'proc.pid' has type 'int64' while the right-hand side field 'concat(\"a\", \"b\")' has incompatible type 'string'"],
  ])('rejects %s at column %i (%j)', (text, column, token, reason) => {
    expect(compileError(text)).toMatchObject({ column, token, reason });
  });

  it('reports the fields under every argument', () => {
    expect(compileFilter('join(fd.directory, (fd.name, tolower(proc.name), "x")) = y or getopt(x.argv, "n")[n] exists', FIELDS).fields).toEqual(['fd.directory', 'fd.name', 'proc.name', 'x.argv']);
  });
});

describe('filter compiler: operator modifiers', () => {
  const e = { 'proc.name': 'myexe', 'proc.cmdline': 'dGVzdA==', 'proc.pid': 42, 'evt.failed': true, 'evt.type': 'openat', 'evt.buffer': new TextEncoder().encode('hello') };

  it('oneof / anyof / allof: exactly one / at least one / every element satisfies the operator (reference case 51)', () => {
    expect(run('proc.name == oneof (myexe, myexe)', e)).toBe(false); // a repeated element counts twice
    expect(run('proc.name == anyof (myexe, myexe)', e)).toBe(true);
    expect(run('proc.name contains allof (my, exe)', e)).toBe(true);
    expect(run('proc.name != allof (myexe, bash)', e)).toBe(false);
    expect(run('proc.name == oneof (myexe, bash)', e)).toBe(true);
    expect(run('proc.name = oneof (bash, sh)', e)).toBe(false);
    expect(run('proc.name == allof (myexe)', e)).toBe(true);
    expect(run('proc.name == allof (myexe, myexe)', e)).toBe(true);
    expect(run('proc.name == allof (myexe, bash)', e)).toBe(false);
    expect(run('proc.name != oneof (myexe, myexe, bash)', e)).toBe(true);
    expect(run('proc.name != oneof (myexe, myexe)', e)).toBe(false);
    expect(run('proc.name != anyof (myexe, bash)', e)).toBe(true);
    expect(run('proc.name != anyof (myexe)', e)).toBe(false);
    expect(run('proc.name != allof (bash, sh)', e)).toBe(true);
  });

  it('applies every string operator per element', () => {
    expect(run('proc.name contains oneof (my, exe)', e)).toBe(false);
    expect(run('proc.name contains oneof (myex, bash)', e)).toBe(true);
    expect(run('proc.name contains anyof (bash, exe)', e)).toBe(true);
    expect(run('proc.name icontains allof (MY, EXE)', e)).toBe(true);
    expect(run('proc.name icontains oneof (MY, EXE)', e)).toBe(false);
    expect(run('proc.name startswith allof (my, mye)', e)).toBe(true);
    expect(run('proc.name startswith allof (my, bash)', e)).toBe(false);
    expect(run('proc.name endswith oneof (exe, yexe)', e)).toBe(false);
    expect(run('proc.name endswith oneof (exe, sh)', e)).toBe(true);
    expect(run('proc.name glob allof (my*, *exe)', e)).toBe(true);
    expect(run('proc.name glob oneof (my*, *exe)', e)).toBe(false);
    expect(run('proc.name iglob anyof (MY*, BASH)', e)).toBe(true);
    expect(run("proc.name regex oneof ('my.*', '.*exe')", e)).toBe(false);
    expect(run("proc.name regex anyof ('b.*', 'my.*')", e)).toBe(true);
    expect(run("proc.name regex allof ('my.*', 'b.*')", e)).toBe(false);
  });

  it('never holds for an empty list or a missing value, != included', () => {
    for (const op of ['==', '!=', 'contains']) {
      for (const mod of ['oneof', 'anyof', 'allof']) {
        expect(run(`proc.name ${op} ${mod} ()`, e)).toBe(false);
        expect(run(`proc.name ${op} ${mod} (x, y)`, {})).toBe(false);
        expect(run(`not proc.name ${op} ${mod} (x, y)`, {})).toBe(true);
      }
    }
  });

  it('takes a list name as one element, and reads a modifier word without a list as a value (reference case 18)', () => {
    expect(run('proc.name == oneof myexe', e)).toBe(true);
    expect(run('proc.name != allof myexe', e)).toBe(false);
    expect(run('proc.name == oneof oneof', { 'proc.name': 'oneof' })).toBe(true);
    expect(run('proc.name == anyof and fd.name exists', { 'proc.name': 'anyof', 'fd.name': '/x' })).toBe(true);
    expect(run('proc.name == anyof', { 'proc.name': 'anyof' })).toBe(true);
  });

  it('works after transformers and on numbers, booleans, buffers, event types', () => {
    expect(run('toupper(proc.name) == oneof (MYEXE, BASH)', e)).toBe(true);
    expect(run('toupper(proc.name) != allof (MYEXE, BASH)', e)).toBe(false);
    expect(run('b64(proc.cmdline) == allof ("dGVzdA==")', e)).toBe(false);
    expect(run('b64(proc.cmdline) == allof (test)', e)).toBe(true);
    expect(run('proc.pid == anyof (1, 42)', e)).toBe(true);
    expect(run('proc.pid != allof (1, 42)', e)).toBe(false);
    expect(run('evt.failed == oneof (true, false)', e)).toBe(true);
    expect(run('evt.buffer contains allof (he, llo)', e)).toBe(true);
    expect(run('evt.buffer bcontains anyof (ffff, 6c6c)', e)).toBe(true);
    expect(run('evt.type == oneof (openat, close)', e)).toBe(true);
    expect(run('evt.type != allof (close, execve)', e)).toBe(true);
  });

  it('compares addresses and networks with == and != only (reference cases 38, 46)', () => {
    const conn = { 'fd.cip': '172.40.111.222', 'fd.sip': '142.251.111.147' };
    expect(run('fd.sip == oneof (10.0.0.1, 142.251.111.147)', conn)).toBe(true);
    expect(run('fd.sip == allof (142.251.111.147, 10.0.0.1)', conn)).toBe(false);
    expect(run('fd.sip == allof (142.251.111.147)', conn)).toBe(true);
    expect(run('fd.sip == anyof (10.0.0.1, 192.168.0.1)', conn)).toBe(false);
    expect(run('fd.sip != anyof (10.0.0.1)', conn)).toBe(true);
    expect(run('fd.sip != allof (10.0.0.1, 142.251.111.147)', conn)).toBe(false);
    expect(run("fd.sip == oneof ('::1', 142.251.111.147)", conn)).toBe(true);
    expect(run('fd.snet == oneof (142.0.0.0/8, 142.251.0.0/16)', conn)).toBe(false); // both networks hold it
    expect(run('fd.snet != allof (10.0.0.0/8, 192.168.0.0/16)', conn)).toBe(true);
    expect(run('fd.ip == anyof (127.0.0.1, 172.40.111.222)', conn)).toBe(true); // either end
    expect(run('fd.net == allof (172.0.0.0/8, 172.40.0.0/16)', conn)).toBe(true);
    compiles('fd.ip == anyof (127.0.0.1)');
    compiles('fd.net != allof (127.0.0.1/32)');
  });

  it('combines with any-of fields candidate by candidate', () => {
    const anc = { 'proc.aname': ['bash', 'sshd', 'systemd'] };
    expect(run('proc.aname == anyof (login, sshd)', anc)).toBe(true);
    expect(run('proc.aname contains allof (s, d)', anc)).toBe(true); // sshd, systemd
    expect(run('proc.aname != allof (sshd, systemd)', anc)).toBe(false); // no ancestor is outside the list
  });

  it.each([
    ['fd.ip contains anyof (127.0.0.1)', 7, 'contains', "'contains' with modifier not supported for ip address and network filters"],
    ['fd.ip regex allof (".*")', 7, 'regex', "'regex' with modifier not supported for ip address and network filters"],
    ['fd.net startswith allof (127.0.0.1/32)', 8, 'startswith', "'startswith' with modifier not supported for ip address and network filters"],
    ['fd.sip == anyof (127.0.0.1, 10.0.0.256)', 29, '10.0.0.256', '"10.0.0.256" is not a valid IP address'],
    ['fd.types == anyof (file)', 10, '==', "'=' operator not supported for list filters (only 'exists', 'in' and 'intersects')"],
    ['proc.pid contains anyof (1)', 10, 'contains', "'contains' operator not supported for numeric filters (field type int64)"],
    ['proc.pid == anyof (1, x)', 23, 'x', '"x" is not a valid number for a field of type int64'],
    ['evt.is_io startswith oneof (true)', 11, 'startswith', "'startswith' operator not supported for boolean filters"],
    ['evt.type == oneof (openat, nosuch)', 28, 'nosuch', "unknown event type 'nosuch'"],
    ["proc.name regex anyof ('b.*', 'a(')", 31, 'a(', 'invalid regular expression: Invalid regular expression: /^(?:a()$/: Unterminated group'],
  ])('rejects %s at column %i (%j)', (text, column, token, reason) => {
    expect(compileError(text)).toMatchObject({ column, token, reason });
  });

  it('does not narrow event types (as libsinsp)', () => {
    expect(compileFilter('evt.type == anyof (openat)', FIELDS).allEventTypes).toBe(true);
    expect(compileFilter('evt.type = openat', FIELDS).allEventTypes).toBe(false);
  });
});

describe('filter compiler: field-to-field comparison with val()', () => {
  it('compares against another field of the same type', () => {
    const e = { 'proc.name': 'bash', 'proc.pname': 'bash', 'proc.pid': 10, 'proc.ppid': 1, 'evt.args': 'a b' };
    expect(run('proc.name = val(proc.pname)', e)).toBe(true);
    expect(run('proc.name != val(proc.pname)', e)).toBe(false);
    expect(run('proc.pid > val(proc.ppid)', e)).toBe(true);
    expect(run('proc.name startswith val(proc.pname)', e)).toBe(true);
    expect(run('proc.name in val(proc.pname)', e)).toBe(true);
    expect(run('evt.args = evt.args', e)).toBe(false); // the literal text "evt.args"
    expect(run('evt.args = val(evt.args)', e)).toBe(true);
    expect(run('proc.aname[1] = val(proc.pname)', { 'proc.aname': ['x', 'bash'], 'proc.pname': 'bash' })).toBe(true);
    expect(run('proc.name glob val(proc.pname)', { 'proc.name': 'bash', 'proc.pname': 'b*' })).toBe(true);
  });

  it('rejects different types, fields that cannot be a right-hand side, and regex', () => {
    expect(compileError('syscall.type = val(evt.is_wait)')).toMatchObject({
      column: 16,
      token: 'val',
      reason: "field 'syscall.type' has type 'string' while the right-hand side field 'evt.is_wait' has incompatible type 'bool'",
    });
    expect(compileError('evt.plugininfo regex val(evt.source)').reason).toBe("the 'regex' operator does not support field values (val() or transformers)");
    expect(compileError('proc.pid = val(evt.rawarg.res)').reason).toBe("field 'evt.rawarg.res' cannot be used as a right-hand side value");
    expect(compileError('fd.types in val(fd.name)').reason).toContain('incompatible type');
    expect(compileError('proc.name = val(proc.nope)')).toMatchObject({ column: 17, token: 'proc.nope', reason: "unknown field 'proc.nope'" });
  });
});

describe('filter compiler: type errors with exact columns', () => {
  it.each([
    ['proc.nam = cat', 1, 'proc.nam', "unknown field 'proc.nam'"],
    ['proc.name = cat and foo.bar exists', 21, 'foo.bar', "unknown field 'foo.bar'"],
    ['evt.rawtime contains 1', 13, 'contains', "'contains' operator not supported for numeric filters (field type abstime)"],
    ['fd.num = abc', 10, 'abc', '"abc" is not a valid number for a field of type int64'],
    ['fd.num = 0x10', 10, '0x10', '"0x10" is not a valid number for a field of type int64'],
    ['fd.num < 1.5', 10, '1.5', '"1.5" is not a valid number for a field of type int64'],
    ['thread.cpu = 1.0', 14, '1.0', '"1.0" is not a valid number for a field of type double'],
    ['proc.name in (bash, "a\\x00b")', 21, 'a\0b', 'filter value "a\\u0000b" contains a NUL byte'],
    ['evt.type = opena', 12, 'opena', "unknown event type 'opena'"],
    ['evt.type in (open, nosuchsyscall)', 20, 'nosuchsyscall', "unknown event type 'nosuchsyscall'"],
    ["proc.name regex 'a('", 17, 'a(', 'invalid regular expression: Invalid regular expression: /^(?:a()$/: Unterminated group'],
    ['some_macro and proc.name = x', 1, 'some_macro', "unknown identifier 'some_macro' (an undefined macro: fields have a dot in their name)"],
    ['not (proc.name = x or fd.num = x1)', 32, 'x1', '"x1" is not a valid number for a field of type int64'],
  ])('%s → column %i', (text, column, token, reason) => {
    const e = compileError(text);
    expect(e).toMatchObject({ column, token, reason, line: 1, code: 'FILTER_COMPILE' });
    expect(e.message).toBe(`filter error at column ${column} (${JSON.stringify(token)}): ${reason}`);
  });

  it('accepts valid evt.type names: events, syscalls without their own event, and generic', () => {
    compiles('evt.type = openat');
    compiles('evt.type in (execve, rt_sigaction, procexit)');
    compiles('evt.type != syscall');
    compiles('evt.type contains open'); // other operators: any text
    compiles('evt.rawtime in (1)');
    compiles('evt.is_io = true');
  });

  it('reports syntax errors as FilterSyntaxError from compileFilter', () => {
    expect(() => compileFilter('proc.name = ', FIELDS)).toThrow(FilterSyntaxError);
  });
});

describe('filter compiler: per-event caching and code generation', () => {
  it('extracts a field used several times once per event', () => {
    for (const strategy of ['codegen', 'closure'] as const) {
      const flt = compileFilter('x.counted = a or x.counted = b or x.counted startswith c or tolower(x.counted) = d', FIELDS, { strategy });
      calls.clear();
      expect(flt.match({ 'x.counted': 'D' })).toBe(true);
      expect(calls.get('x.counted')).toBe(1);
      calls.clear();
      expect(flt.match({ 'x.counted': 'zz' })).toBe(false);
      expect(flt.match({ 'x.counted': 'b' })).toBe(true);
      expect(calls.get('x.counted')).toBe(2);
    }
    // The interpreter extracts at every use.
    const i = compileFilter('x.counted = a or x.counted = b', FIELDS, { strategy: 'interpret' });
    calls.clear();
    i.match({ 'x.counted': 'b' });
    expect(calls.get('x.counted')).toBe(2);
  });

  it('inlines simple comparisons and rejects other event types first', () => {
    const ast = parseFilter('evt.type = openat and proc.name in (cat, ls) and fd.name startswith /etc');
    const { source } = generateSource({ root: checkFilter(ast, FIELDS), fields: FIELDS, eventTypes: eventTypesOf(ast), eventCodeCount: PPM_EVENT_MAX });
    expect(source).toContain('=== "openat"');
    expect(source).toContain('=== "cat" ||');
    expect(source).toContain('.startsWith("/etc")');
    expect(source).toContain('eventTypeOf(e)');
    const flt = compileFilter('evt.type = openat', FIELDS);
    expect(flt.match({ code: OPENAT_X, 'evt.type': 'openat' })).toBe(true);
    // A close event is rejected by its code alone (its evt.type is not even read).
    expect(flt.match({ code: PPME.SYSCALL_CLOSE_X, 'evt.type': 'openat' })).toBe(false);
  });

  it('reports the fields a filter reads', () => {
    expect(compileFilter('proc.aname[2] = x and tolower(fd.name) = val(proc.name) or not evt.arg.flags exists', FIELDS).fields).toEqual(['evt.arg.flags', 'fd.name', 'proc.aname[2]', 'proc.name']);
  });

  it('expands macros', () => {
    const macros = { shell_procs: 'proc.name in (bash, sh)', spawned: 'evt.type = execve', shell_spawn: 'spawned and shell_procs' };
    const flt = compileFilter('shell_spawn and not proc.pname = sshd', FIELDS, { macros });
    expect(flt.match({ code: PPME.SYSCALL_EXECVE_19_X, 'evt.type': 'execve', 'proc.name': 'sh', 'proc.pname': 'init' })).toBe(true);
    expect(flt.eventTypes).toEqual(eventTypesOf(parseFilter('evt.type = execve')));
    expect(() => compileFilter('a', FIELDS, { macros: { a: 'b', b: 'a' } })).toThrow(/reference loop in macro 'a'/);
  });
});

describe('filter compiler: generated code agrees with the interpreter (property)', () => {
  const names = ['cat', 'bash', 'sshd', 'Cat', ''];
  const paths = ['/etc/passwd', '/tmp/x', '/opt/dir/a', ''];
  const check = fc.oneof(
    fc.constantFrom(...names).map((n) => `proc.name = '${n}'`),
    fc.constantFrom(...names).map((n) => `proc.name != '${n}'`),
    fc.constantFrom(...names).map((n) => `proc.aname = '${n}'`),
    fc.constantFrom(...names).map((n) => `proc.aname[1] != '${n}'`),
    fc.constantFrom(...paths).map((p) => `fd.name startswith '${p}'`),
    fc.constantFrom(...paths).map((p) => `fd.name pmatch ('${p || '/'}')`),
    fc.constantFrom(...paths).map((p) => `fd.name glob '${p}*'`),
    fc.subarray(names, { minLength: 0 }).map((l) => `proc.name in (${l.map((n) => `'${n}'`).join(', ')})`),
    fc.integer({ min: -3, max: 3 }).map((n) => `fd.num < ${n}`),
    fc.integer({ min: -3, max: 3 }).map((n) => `fd.num != ${n}`),
    fc.constant('fd.name exists'),
    fc.constant('proc.name = val(proc.pname)'),
    fc.constant('tolower(proc.name) = cat'),
    fc.constant('fd.types intersects (file)'),
    fc.constant('fd.types in (file, ipv4)'),
    fc.constant("fd.sip in ('10.0.0.1', '::1')"),
    fc.constant("fd.net = '10.0.0.0/8'"),
    fc.constantFrom(...names).map((n) => `join('/', (proc.name, fd.name)) startswith '${n}'`),
    fc.constant("concat(proc.name, proc.pname) = 'catcat'"),
    fc.constantFrom('nt:', 't', ':n', '').map((o) => `getopt(x.argv, '${o}') in (n, t, v, '?', '')`),
    fc.constantFrom('n', 't').map((o) => `getopt(x.argv, 'nt:')[${o}] != v`),
    fc
      .tuple(fc.constantFrom('==', '!=', 'contains', 'glob'), fc.constantFrom('oneof', 'anyof', 'allof'), fc.array(fc.constantFrom('cat', 'a', 'c*', 'sshd', ''), { maxLength: 3 }))
      .map(([op, mod, l]) => `proc.name ${op} ${mod} (${l.map((n) => `'${n}'`).join(', ')})`),
    fc.constantFrom('oneof', 'anyof', 'allof').map((mod) => `proc.aname != ${mod} ('bash', 'sshd')`),
    fc.constantFrom('oneof', 'anyof', 'allof').map((mod) => `fd.sip == ${mod} ('10.0.0.1', '::1', '10.0.0.1')`),
  );
  const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      check,
      fc.tuple(tie('e'), tie('e')).map(([a, b]) => `(${a} and ${b})`),
      fc.tuple(tie('e'), tie('e')).map(([a, b]) => `(${a} or ${b})`),
      tie('e').map((a) => `not ${a}`),
    ),
  })).e;
  const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const event = fc.record({
    'proc.name': maybe(fc.constantFrom(...names)),
    'proc.pname': maybe(fc.constantFrom(...names)),
    'proc.aname': maybe(fc.array(fc.constantFrom(...names), { maxLength: 4 })),
    'fd.name': maybe(fc.constantFrom(...paths, '/opt/dir/a/b')),
    'fd.num': maybe(fc.integer({ min: -3, max: 3 })),
    'fd.types': maybe(fc.array(fc.constantFrom('file', 'ipv4', 'unix'), { maxLength: 3 })),
    'fd.sip': maybe(fc.constantFrom('10.0.0.1', '10.2.3.4', '::1', '192.168.0.1')),
    'fd.cip': maybe(fc.constantFrom('10.0.0.1', '::1')),
    'x.argv': maybe(fc.array(fc.constantFrom('-n', '-t', 'v', '-nt', '--', 'x', '-'), { maxLength: 5 })),
  });

  it('gives the same result through codegen, closures and the interpreter', () => {
    fc.assert(
      fc.property(expr, fc.array(event, { minLength: 1, maxLength: 8 }), (text, events) => {
        const [g, c, i] = STRATEGIES.map((strategy) => compileFilter(text, FIELDS, { strategy }));
        for (const e of events) {
          const r = i.match(e);
          expect(g.match(e), text).toBe(r);
          expect(c.match(e), text).toBe(r);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('filter compiler: warnings', () => {
  it('warns when a literal is exactly a known field name, not for other dotted words', () => {
    const w = compileFilter('proc.name = proc.pname and fd.name != "evt.arg.flags" and fd.name = a.b and proc.name in (x, proc.exe)', FIELDS).warnings;
    expect(w.map((x) => [x.token, x.column])).toEqual([
      ['proc.pname', 13],
      ['evt.arg.flags', 39],
      ['proc.exe', 94],
    ]);
    expect(w[0].message).toBe("'proc.pname' is compared as a literal string; to compare with the field's value, write val(proc.pname)");
    expect(compileFilter('proc.name = val(proc.pname)', FIELDS).warnings).toEqual([]);
  });
});
