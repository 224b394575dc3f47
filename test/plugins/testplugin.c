/*
 * scap-ts test plugin: a Falco plugin (API 3.x) written from the API's
 * documentation (../shared reference §6), with event sourcing, field
 * extraction, event parsing and async events (and dump_state). Built by the tests with
 * `cc -shared -fPIC`; macros make variants for the loader's error cases:
 *   PLUGIN_NAME, PLUGIN_ID, EVENT_SOURCE, API_VERSION, FIELD_PREFIX,
 *   NO_SOURCE (extraction/parsing only), NO_GET_NAME (a required export missing),
 *   NULL_NAME (plugin_get_name returns NULL), NO_ID (a source plugin without id and source
 *   name: it feeds the syscall source), ID_ONLY (plugin_get_id without plugin_get_event_source),
 *   HALF_SOURCE (plugin_open without plugin_next_batch), ASYNC_BAD_NAME (async events
 *   named otherwise than get_async_events says).
 *   TABLES: uses the owner's state tables. At init it gets `threads` and its tid, pid
 *   and comm fields, and adds the fields <prefix>_tag (string) and <prefix>_count
 *   (uint64); parse_event reads the event's thread's comm, writes "seen:<comm>" to
 *   the tag and counts the thread's events; the fields <prefix>.comm/.pid/.tag/.count
 *   read them back, <prefix>.nthreads / .iterated give the table's size and the
 *   entries iterate_entries visits, <prefix>.nfields the fields list_table_fields lists.
 *   It reaches the fields of the args and cgroups subtables as the C++ SDK does (through
 *   an entry made with create_table_entry); <prefix>.args joins the args subtable's
 *   values, <prefix>.cgroup is the second field of the cgroups subtable's entry 0.
 *   Likewise the file_descriptors subtable (int64 fd keys, typed fields):
 *   <prefix>.fds lists the thread's fds as iterate_entries visits them, each
 *   "fd:type:name:open_flags:ino:ipv4 sport:ipv4 l4proto:ipv6 dport:unix src" read with its
 *   type (int64, uint8, string, uint32, uint64, uint16, uint8, uint16, uint64) and the entry
 *   get_table_entry gives for its fd checked to have the same name, joined by "|";
 *   <prefix>.fd_err is the owner error after asking for fd -7.
 *   OWN_TABLE="name": registers a table of its own (uint64 keys 0..3, fields "word"
 *   string, read-only, and "hits" uint64). PEER_TABLE="name": gets such a table of
 *   another plugin; <prefix>.peer is the word at key tid % 4 and <prefix>.peer_err the
 *   owner error after asking for key 99.
 *   LISTEN (with TABLES): capture listening. At capture open it iterates the threads
 *   table, sets the added field <prefix>_opened to 1 on each thread and counts them;
 *   <prefix>.opened reads the thread's flag, <prefix>.open_count the threads counted,
 *   <prefix>.closes the capture_close calls. Config "fail_open" makes capture_open fail.
 *   HALF_LISTEN (with LISTEN): plugin_capture_open without plugin_capture_close.
 *   set_config stores the new config (flags then read from it) and counts the updates;
 *   a config with "reject_config" is refused. get_metrics gives events_parsed (monotonic
 *   u64), fields_extracted (monotonic u32, fields asked of extract_fields), config_updates
 *   (monotonic s32), level (non-monotonic s64, the config's "level", -1 without),
 *   ratio (d 0.25), scale (f 1.5), sign (i -7); config "bad_metric" adds one of an
 *   unknown value type. NO_SET_CONFIG / NO_METRICS omit the two functions.
 *   DUMP_STATE: plugin_dump_state emits two async events named <prefix>_tick, with
 *   ts 3000000000 and 3000000001 and the data "state:config_updates=<n>" and
 *   "state:parsed=<n>"; config "fail_dump" makes it emit the first and then fail.
 *
 * Behaviour is chosen by the init config (a JSON object; only flags are read):
 *   "fail_init", "fail_next" (the 2nd next_batch fails), "malformed" (a batch with an
 *   event whose lengths disagree), "wrong_id", "null_batch", "fail_extract",
 *   "null_string" (test.msg returns a NULL string), "fail_parse".
 *   With TABLES, "table_case" picks an error case: "unknown_table", "wrong_key",
 *   "unknown_field", "type_mismatch", "add_static", "thread_read" (init fails, telling
 *   the owner's error), "write_static", "add_entry" (parse fails likewise), "late_entry"
 *   (an entry kept from parse_event is read in extract_fields), "late_subtable" (a
 *   subtable read at init is used in extract_fields), "fd_type" (init asks for the fd
 *   subtable's "type" as uint32), "fd_add" (init adds a field to the fd subtable).
 * Open params: "count=N,start=TS,step=NS,batch=B" (defaults 20, 1000000000, 1000, 8 events a batch).
 * Event payload: "n=<i> msg=<word>".
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef PLUGIN_NAME
#define PLUGIN_NAME "testplugin"
#endif
#ifndef PLUGIN_ID
#define PLUGIN_ID 999
#endif
#ifndef EVENT_SOURCE
#define EVENT_SOURCE "testsrc"
#endif
#ifndef API_VERSION
#define API_VERSION "3.0.0"
#endif
#ifndef FIELD_PREFIX
#define FIELD_PREFIX "test"
#endif

#define EXPORT __attribute__((visibility("default")))
#define RC_SUCCESS 0
#define RC_FAILURE 1
#define RC_TIMEOUT (-1)
#define RC_EOF 2

#pragma pack(push, 1)
typedef struct {
  uint64_t ts;
  uint64_t tid;
  uint32_t len;
  uint16_t type;
  uint32_t nparams;
} evt_hdr;
#pragma pack(pop)

typedef struct { const evt_hdr *evt; uint64_t evtnum; const char *evtsrc; } evt_input;
typedef struct { uint32_t len; const void *ptr; } byte_buf;
typedef struct {
  union { const char **str; uint64_t *u64; uint32_t *u32; byte_buf *buf; } res;
  uint64_t res_len;
  uint32_t field_id;
  const char *field;
  const char *arg_key;
  uint64_t arg_index;
  uint32_t arg_present;
  uint32_t ftype;
  uint32_t flist;
} extract_field;
/* State tables */
#define ST_INT64 4
#define ST_UINT8 5
#define ST_UINT16 6
#define ST_UINT32 7
#define ST_UINT64 8
#define ST_STRING 9
#define ST_TABLE 10
typedef union { int64_t s64; uint8_t u8; uint16_t u16; uint32_t u32; uint64_t u64; const char *str; uint32_t b; void *table; } state_data;
typedef struct { const char *name; uint32_t key_type; } table_info;
typedef struct { const char *name; uint32_t field_type; uint32_t read_only; } field_info;
typedef struct {
  const field_info *(*list_table_fields)(void *t, uint32_t *n);
  void *(*get_table_field)(void *t, const char *name, uint32_t type);
  void *(*add_table_field)(void *t, const char *name, uint32_t type);
} fields_vt;
typedef struct {
  const char *(*get_table_name)(void *t);
  uint64_t (*get_table_size)(void *t);
  void *(*get_table_entry)(void *t, const state_data *key);
  int32_t (*read_entry_field)(void *t, void *e, const void *f, state_data *out);
} reader_vt;
typedef struct {
  const char *(*get_table_name)(void *t);
  uint64_t (*get_table_size)(void *t);
  void *(*get_table_entry)(void *t, const state_data *key);
  int32_t (*read_entry_field)(void *t, void *e, const void *f, state_data *out);
  void (*release_table_entry)(void *t, void *e);
  uint32_t (*iterate_entries)(void *t, uint32_t (*it)(void *s, void *e), void *s);
} reader_ext_vt;
typedef struct {
  int32_t (*clear_table)(void *t);
  int32_t (*erase_table_entry)(void *t, const state_data *key);
  void *(*create_table_entry)(void *t);
  void (*destroy_table_entry)(void *t, void *e);
  void *(*add_table_entry)(void *t, const state_data *key, void *e);
  int32_t (*write_entry_field)(void *t, void *e, const void *f, const state_data *in);
} writer_vt;
typedef struct {
  const char *name;
  uint32_t key_type;
  void *table;
  reader_vt reader;
  writer_vt writer;
  fields_vt fields;
  reader_ext_vt *reader_ext;
  writer_vt *writer_ext;
  fields_vt *fields_ext;
} table_input;
typedef struct {
  table_info *(*list_tables)(void *owner, uint32_t *n);
  void *(*get_table)(void *owner, const char *name, uint32_t key_type);
  int32_t (*add_table)(void *owner, const table_input *in);
  fields_vt fields;
  fields_vt *fields_ext;
  reader_ext_vt *reader_ext;
  writer_vt *writer_ext;
} tables_input;
typedef struct {
  void *owner;
  const char *(*get_owner_last_error)(void *);
  uint32_t num_fields;
  extract_field *fields;
  reader_vt table_reader;
  reader_ext_vt *table_reader_ext;
} extract_input;
typedef struct {
  void *owner;
  const char *(*get_owner_last_error)(void *);
  reader_vt table_reader;
  writer_vt table_writer;
  reader_ext_vt *table_reader_ext;
  writer_vt *table_writer_ext;
} parse_input;
typedef struct {
  const char *config;
  void *owner;
  const char *(*get_owner_last_error)(void *);
  const tables_input *tables;
  void (*log_fn)(void *, const char *, const char *, int);
} init_input;
typedef int32_t (*async_handler)(void *owner, const evt_hdr *evt, char *err);
typedef struct {
  void *(*subscribe)(void *owner, uint32_t (*fn)(void *, void *), void *state);
  int32_t (*unsubscribe)(void *owner, void *routine);
} routine_vt;
typedef struct {
  void *owner;
  routine_vt *routine;
  reader_ext_vt *table_reader_ext;
  writer_vt *table_writer_ext;
  const char *(*get_owner_last_error)(void *);
} listen_input;

/* ss_plugin_set_config_input and ss_plugin_metric */
typedef struct { const char *config; } set_config_input;
typedef union { uint32_t u32; int32_t s32; uint64_t u64; int64_t s64; double d; float f; int i; } metric_value;
typedef struct { const char *name; int type; metric_value value; int value_type; } metric;
enum { METRIC_MONOTONIC = 0, METRIC_NON_MONOTONIC = 1 };
enum { MV_U32 = 0, MV_S32 = 1, MV_U64 = 2, MV_S64 = 3, MV_D = 4, MV_F = 5, MV_I = 6 };

typedef struct {
  char err[1024];
  char cfg[512];
  uint64_t parsed;        /* events seen by parse_event */
  uint64_t last_parsed_n; /* n of the last parsed event */
  char strbuf[4][128];
  const char *strs[4];
  uint64_t u64s[4];
  uint32_t bools[4];
  byte_buf bufs[2];
  uint8_t ip[4];
  pthread_t async_thread;
  int async_running;
  void *async_owner;
  async_handler async_fn;
  char tostr[128];
  char progress[32];
  /* TABLES */
  void *threads, *f_tid, *f_pid, *f_comm, *f_tag, *f_count;
  uint64_t nfields;
  void *kept; /* late_entry: an entry kept past parse_event */
  void *peer, *f_word;
  void *f_args, *f_args_value, *f_cgroups, *f_cgroup_second;
  void *init_args; /* late_subtable: a subtable kept from init */
  void *f_fds, *f_fd_fd, *f_fd_type, *f_fd_name, *f_fd_oflags, *f_fd_ino, *f_fd_sport, *f_fd_l4, *f_fd_v6dport, *f_fd_usrc;
  char fdstr[65536], fderr[512];
  const char *fdstrs[2];
  char tstr[6][512]; /* one per string field: the host reads them after the call */
  const char *tstrs[6];
  uint64_t tu64s[5];
  /* LISTEN */
  void *f_opened;
  uint64_t open_count, closes, lu64s[3];
  /* set_config / get_metrics */
  uint64_t extracted; /* fields asked of extract_fields */
  int32_t config_updates;
  metric metrics[7];
} state_t;

typedef struct {
  uint64_t count, next, start, step, batch;
  int batches;
  uint8_t *buf;
  evt_hdr **ptrs;
} inst_t;

static int has(const state_t *s, const char *flag) { return strstr(s->cfg, flag) != NULL; }

EXPORT const char *plugin_get_required_api_version(void) { return API_VERSION; }
#ifndef NO_GET_NAME
#ifdef NULL_NAME
EXPORT const char *plugin_get_name(void) { return NULL; }
#else
EXPORT const char *plugin_get_name(void) { return PLUGIN_NAME; }
#endif
#endif
EXPORT const char *plugin_get_version(void) { return "0.1.0"; }
EXPORT const char *plugin_get_description(void) { return "scap-ts test plugin"; }
EXPORT const char *plugin_get_contact(void) { return "scap-ts tests"; }

EXPORT const char *plugin_get_init_schema(int32_t *type) {
  *type = 1;
  return "{\"type\":\"object\",\"properties\":{\"fail_init\":{\"type\":\"boolean\"},\"fail_next\":{\"type\":\"boolean\"},"
         "\"malformed\":{\"type\":\"boolean\"},\"wrong_id\":{\"type\":\"boolean\"},\"null_batch\":{\"type\":\"boolean\"},"
         "\"fail_extract\":{\"type\":\"boolean\"},\"null_string\":{\"type\":\"boolean\"},\"fail_parse\":{\"type\":\"boolean\"},"
         "\"fail_open\":{\"type\":\"boolean\"},\"label\":{\"type\":\"string\"},\"table_case\":{\"type\":\"string\"},"
         "\"reject_config\":{\"type\":\"boolean\"},\"level\":{\"type\":\"integer\"},\"bad_metric\":{\"type\":\"boolean\"},\"fail_dump\":{\"type\":\"boolean\"}},"
         "\"additionalProperties\":false}";
}

/* ---- a table of its own (OWN_TABLE) ------------------------------------- */
#ifdef OWN_TABLE
typedef struct { const char *word; uint64_t hits; } own_entry;
static own_entry OWN[4] = {{"alpha", 0}, {"beta", 0}, {"gamma", 0}, {"delta", 0}};
static int F_WORD, F_HITS; /* their addresses are the field accessors */
static const field_info OWN_FIELDS[2] = {{"word", ST_STRING, 1}, {"hits", ST_UINT64, 0}};

/* The table pointer is the plugin's state, so that failures set its last error. */
static int32_t own_refuse(void *t) {
  snprintf(((state_t *)t)->err, sizeof ((state_t *)t)->err, "table " OWN_TABLE " has fixed entries");
  return RC_FAILURE;
}
static const char *own_name(void *t) { (void)t; return OWN_TABLE; }
static uint64_t own_size(void *t) { (void)t; return 4; }
static void *own_get(void *t, const state_data *k) {
  if (k->u64 < 4) return &OWN[k->u64];
  snprintf(((state_t *)t)->err, sizeof ((state_t *)t)->err, "no entry %llu in table " OWN_TABLE, (unsigned long long)k->u64);
  return NULL;
}
static int32_t own_read(void *t, void *e, const void *f, state_data *out) {
  own_entry *o = e;
  if (f == &F_WORD) out->str = o->word;
  else if (f == &F_HITS) out->u64 = o->hits;
  else return own_refuse(t);
  return RC_SUCCESS;
}
static void own_release(void *t, void *e) { (void)t; (void)e; }
static uint32_t own_iterate(void *t, uint32_t (*it)(void *, void *), void *st) {
  (void)t;
  for (int k = 0; k < 4; k++)
    if (!it(st, &OWN[k])) return 0;
  return 1;
}
static int32_t own_erase(void *t, const state_data *k) { (void)k; return own_refuse(t); }
static void *own_create(void *t) { own_refuse(t); return NULL; }
static void own_destroy(void *t, void *e) { (void)t; (void)e; }
static void *own_add(void *t, const state_data *k, void *e) { (void)k; (void)e; own_refuse(t); return NULL; }
static int32_t own_write(void *t, void *e, const void *f, const state_data *in) {
  if (f != &F_HITS) return own_refuse(t);
  ((own_entry *)e)->hits = in->u64;
  return RC_SUCCESS;
}
static const field_info *own_list_fields(void *t, uint32_t *n) { (void)t; *n = 2; return OWN_FIELDS; }
static void *own_get_field(void *t, const char *name, uint32_t type) {
  if (!strcmp(name, "word") && type == ST_STRING) return &F_WORD;
  if (!strcmp(name, "hits") && type == ST_UINT64) return &F_HITS;
  snprintf(((state_t *)t)->err, sizeof ((state_t *)t)->err, "table " OWN_TABLE " has no field %s of type %u", name, type);
  return NULL;
}
static void *own_add_field(void *t, const char *name, uint32_t type) { (void)name; (void)type; own_refuse(t); return NULL; }

static reader_ext_vt OWN_READER = {own_name, own_size, own_get, own_read, own_release, own_iterate};
static writer_vt OWN_WRITER = {own_refuse, own_erase, own_create, own_destroy, own_add, own_write};
static fields_vt OWN_FIELDS_VT = {own_list_fields, own_get_field, own_add_field};
#endif

#ifdef TABLES
static void *thread_size_probe(void *arg) {
  void **a = arg; /* {reader, table, result} */
  *(uint64_t *)a[2] = ((reader_ext_vt *)a[0])->get_table_size(a[1]);
  return NULL;
}

static int table_case(const state_t *s, const char *c) {
  char k[96];
  snprintf(k, sizeof k, "\"table_case\":\"%s\"", c);
  return has(s, k);
}

/* Gets the tables and fields; "" or why not (with the owner's error). */
static const char *tables_init(state_t *s, const init_input *in) {
  const tables_input *ti = in->tables;
  const char *(*oerr)(void *) = in->get_owner_last_error;
  static char why[512];
#define TABLE_FAIL(what)                                                 \
  do {                                                                   \
    snprintf(why, sizeof why, "%s: %s", what, oerr(in->owner));         \
    return why;                                                          \
  } while (0)
  if (table_case(s, "unknown_table") && !ti->get_table(in->owner, "nosuch", ST_INT64)) TABLE_FAIL("get_table");
  if (table_case(s, "wrong_key") && !ti->get_table(in->owner, "threads", ST_STRING)) TABLE_FAIL("get_table");
  s->threads = ti->get_table(in->owner, "threads", ST_INT64);
  if (!s->threads) TABLE_FAIL("get_table");
  const fields_vt *fv = ti->fields_ext;
  if (table_case(s, "unknown_field") && !fv->get_table_field(s->threads, "nosuch", ST_STRING)) TABLE_FAIL("get_table_field");
  if (table_case(s, "type_mismatch") && !fv->get_table_field(s->threads, "comm", ST_UINT64)) TABLE_FAIL("get_table_field");
  if (table_case(s, "add_static") && !fv->add_table_field(s->threads, "comm", ST_STRING)) TABLE_FAIL("add_table_field");
  if (table_case(s, "thread_read")) {
    uint64_t n = 0;
    void *args[3] = {ti->reader_ext, s->threads, &n};
    pthread_t th;
    pthread_create(&th, NULL, thread_size_probe, args);
    pthread_join(th, NULL);
    if (n == (uint64_t)-1) TABLE_FAIL("get_table_size from another thread");
  }
  if (!(s->f_tid = fv->get_table_field(s->threads, "tid", ST_INT64))) TABLE_FAIL("get_table_field tid");
  if (!(s->f_pid = fv->get_table_field(s->threads, "pid", ST_INT64))) TABLE_FAIL("get_table_field pid");
  if (!(s->f_comm = fv->get_table_field(s->threads, "comm", ST_STRING))) TABLE_FAIL("get_table_field comm");
  if (!(s->f_args = fv->get_table_field(s->threads, "args", ST_TABLE))) TABLE_FAIL("get_table_field args");
  if (!(s->f_cgroups = fv->get_table_field(s->threads, "cgroups", ST_TABLE))) TABLE_FAIL("get_table_field cgroups");
  if (!(s->f_fds = fv->get_table_field(s->threads, "file_descriptors", ST_TABLE))) TABLE_FAIL("get_table_field file_descriptors");
  {
    /* The subtables' fields, through an entry that is never added (as the C++ SDK does). */
    state_data v, name;
    void *e = ti->writer_ext->create_table_entry(s->threads);
    if (!e) TABLE_FAIL("create_table_entry");
    if (ti->reader_ext->read_entry_field(s->threads, e, s->f_comm, &name) != RC_SUCCESS || strcmp(name.str, "") != 0) TABLE_FAIL("a new entry's comm");
    if (ti->reader_ext->read_entry_field(s->threads, e, s->f_args, &v) != RC_SUCCESS) TABLE_FAIL("read_entry_field args");
    s->init_args = v.table;
    s->f_args_value = fv->get_table_field(v.table, "value", ST_STRING);
    if (ti->reader_ext->read_entry_field(s->threads, e, s->f_cgroups, &v) != RC_SUCCESS) TABLE_FAIL("read_entry_field cgroups");
    s->f_cgroup_second = fv->get_table_field(v.table, "second", ST_STRING);
    if (ti->reader_ext->read_entry_field(s->threads, e, s->f_fds, &v) != RC_SUCCESS) TABLE_FAIL("read_entry_field file_descriptors");
    if (table_case(s, "fd_type") && !fv->get_table_field(v.table, "type", ST_UINT32)) TABLE_FAIL("get_table_field");
    if (table_case(s, "fd_add") && !fv->add_table_field(v.table, "mine", ST_UINT64)) TABLE_FAIL("add_table_field");
    uint32_t nfd = 0;
    if (!fv->list_table_fields(v.table, &nfd) || nfd == 0) TABLE_FAIL("list_table_fields of file_descriptors");
    if (ti->reader_ext->get_table_size(v.table) != 0) TABLE_FAIL("a new entry's fds");
    if (!(s->f_fd_fd = fv->get_table_field(v.table, "fd", ST_INT64)) || !(s->f_fd_type = fv->get_table_field(v.table, "type", ST_UINT8)) ||
        !(s->f_fd_name = fv->get_table_field(v.table, "name", ST_STRING)) || !(s->f_fd_oflags = fv->get_table_field(v.table, "open_flags", ST_UINT32)) ||
        !(s->f_fd_ino = fv->get_table_field(v.table, "ino", ST_UINT64)) ||
        !(s->f_fd_sport = fv->get_table_field(v.table, "socket_ipv4_src_port", ST_UINT16)) ||
        !(s->f_fd_l4 = fv->get_table_field(v.table, "socket_ipv4_l4_proto", ST_UINT8)) ||
        !(s->f_fd_v6dport = fv->get_table_field(v.table, "socket_ipv6_dst_port", ST_UINT16)) ||
        !(s->f_fd_usrc = fv->get_table_field(v.table, "socket_unix_src", ST_UINT64)))
      TABLE_FAIL("get_table_field of file_descriptors");
    ti->writer_ext->destroy_table_entry(s->threads, e);
    if (!s->f_args_value || !s->f_cgroup_second) TABLE_FAIL("get_table_field of a subtable");
  }
  if (!(s->f_tag = fv->add_table_field(s->threads, FIELD_PREFIX "_tag", ST_STRING))) TABLE_FAIL("add_table_field");
  if (!(s->f_count = fv->add_table_field(s->threads, FIELD_PREFIX "_count", ST_UINT64))) TABLE_FAIL("add_table_field");
  /* Adding a field again with its type gives the same accessor. */
  if (fv->add_table_field(s->threads, FIELD_PREFIX "_tag", ST_STRING) != s->f_tag) TABLE_FAIL("add_table_field twice");
#ifdef LISTEN
  if (!(s->f_opened = fv->add_table_field(s->threads, FIELD_PREFIX "_opened", ST_UINT64))) TABLE_FAIL("add_table_field");
#endif
  uint32_t nf = 0;
  if (!fv->list_table_fields(s->threads, &nf)) TABLE_FAIL("list_table_fields");
  s->nfields = nf;
#ifdef OWN_TABLE
  table_input t;
  memset(&t, 0, sizeof t);
  t.name = OWN_TABLE;
  t.key_type = ST_UINT64;
  t.table = s;
  memcpy(&t.reader, &OWN_READER, sizeof t.reader);
  t.writer = OWN_WRITER;
  t.fields = OWN_FIELDS_VT;
  t.reader_ext = &OWN_READER;
  t.writer_ext = &OWN_WRITER;
  t.fields_ext = &OWN_FIELDS_VT;
  if (ti->add_table(in->owner, &t) != RC_SUCCESS) TABLE_FAIL("add_table");
#endif
#ifdef PEER_TABLE
  if (!(s->peer = ti->get_table(in->owner, PEER_TABLE, ST_UINT64))) TABLE_FAIL("get_table " PEER_TABLE);
  if (!(s->f_word = fv->get_table_field(s->peer, "word", ST_STRING))) TABLE_FAIL("get_table_field word");
#endif
#undef TABLE_FAIL
  return "";
}
#endif

EXPORT void *plugin_init(const init_input *in, int32_t *rc) {
  state_t *s = calloc(1, sizeof *s);
  if (in->config) snprintf(s->cfg, sizeof s->cfg, "%s", in->config);
  if (has(s, "\"fail_init\":true")) {
    snprintf(s->err, sizeof s->err, "init refused by configuration");
    *rc = RC_FAILURE;
    return s;
  }
  /* As the SDKs do: the table vtables are used without a NULL check. */
  uint32_t ntables = 0;
  table_info *tables = in->tables && in->tables->fields_ext && in->tables->reader_ext && in->tables->writer_ext
                           ? in->tables->list_tables(in->owner, &ntables)
                           : NULL;
  if (!tables || ntables < 1 || strcmp(tables[0].name, "threads") != 0 || tables[0].key_type != ST_INT64) {
    snprintf(s->err, sizeof s->err, "unexpected tables input");
    *rc = RC_FAILURE;
    return s;
  }
#ifdef TABLES
  const char *why = tables_init(s, in);
  if (*why) {
    snprintf(s->err, sizeof s->err, "%s", why);
    *rc = RC_FAILURE;
    return s;
  }
#endif
  if (in->log_fn) in->log_fn(in->owner, PLUGIN_NAME, "initialized", 7);
  *rc = RC_SUCCESS;
  return s;
}

EXPORT void plugin_destroy(void *sp) { free(sp); }
EXPORT const char *plugin_get_last_error(void *sp) { return ((state_t *)sp)->err; }

/* ---- event sourcing ---------------------------------------------------- */
#ifndef NO_SOURCE
#ifndef NO_ID
EXPORT uint32_t plugin_get_id(void) { return PLUGIN_ID; }
#ifndef ID_ONLY
EXPORT const char *plugin_get_event_source(void) { return EVENT_SOURCE; }
#endif
#endif

static uint64_t param(const char *p, const char *key, uint64_t def) {
  const char *k = p ? strstr(p, key) : NULL;
  return k ? strtoull(k + strlen(key), NULL, 10) : def;
}

EXPORT void *plugin_open(void *sp, const char *params, int32_t *rc) {
  state_t *s = sp;
  if (params && strstr(params, "refuse")) {
    snprintf(s->err, sizeof s->err, "cannot open '%s'", params);
    *rc = RC_FAILURE;
    return NULL;
  }
  inst_t *i = calloc(1, sizeof *i);
  i->count = param(params, "count=", 20);
  i->start = param(params, "start=", 1000000000ULL);
  i->step = param(params, "step=", 1000);
  i->batch = param(params, "batch=", 8);
  if (i->batch == 0 || i->batch > 65536) i->batch = 8;
  i->buf = malloc(i->batch * 128);
  i->ptrs = malloc(i->batch * sizeof(evt_hdr *));
  *rc = RC_SUCCESS;
  return i;
}

EXPORT void plugin_close(void *sp, void *ip) {
  (void)sp;
  inst_t *i = ip;
  free(i->buf);
  free(i->ptrs);
  free(i);
}

#ifndef HALF_SOURCE
static const char *const WORDS[] = {"alpha", "beta", "gamma", "delta"};

EXPORT int32_t plugin_next_batch(void *sp, void *ip, uint32_t *nevts, evt_hdr ***evts) {
  state_t *s = sp;
  inst_t *i = ip;
  i->batches++;
  if (has(s, "\"fail_next\":true") && i->batches == 2) {
    snprintf(s->err, sizeof s->err, "source went away at batch %d", i->batches);
    return RC_FAILURE;
  }
  if (has(s, "\"null_batch\":true")) {
    *nevts = 3;
    *evts = NULL;
    return RC_SUCCESS;
  }
  if (i->next >= i->count) {
    *nevts = 0;
    return RC_EOF;
  }
  uint32_t n = 0;
  while (n < i->batch && i->next < i->count) {
    evt_hdr *e = (evt_hdr *)(i->buf + n * 128);
    char payload[64];
    int plen = snprintf(payload, sizeof payload, "n=%llu msg=%s", (unsigned long long)i->next, WORDS[i->next % 4]);
    uint8_t *p = (uint8_t *)e + sizeof *e;
    #ifdef NO_ID
    uint32_t l0 = 4, l1 = (uint32_t)plen, id = 0;
#else
    uint32_t l0 = 4, l1 = (uint32_t)plen, id = has(s, "\"wrong_id\":true") ? 12345 : (i->next % 2 ? PLUGIN_ID : 0);
#endif
    memcpy(p, &l0, 4);
    memcpy(p + 4, &l1, 4);
    memcpy(p + 8, &id, 4);
    memcpy(p + 12, payload, plen);
    e->ts = i->start + i->next * i->step;
    e->tid = (uint64_t)-1;
    e->type = 322;
    e->nparams = 2;
    e->len = sizeof *e + 8 + 4 + plen;
    if (has(s, "\"malformed\":true") && n == 1) e->len += 5;
    i->ptrs[n++] = e;
    i->next++;
  }
  *nevts = n;
  *evts = i->ptrs;
  return RC_SUCCESS;
}
#endif

EXPORT const char *plugin_get_progress(void *sp, void *ip, uint32_t *pct) {
  state_t *s = sp;
  inst_t *i = ip;
  *pct = i->count ? (uint32_t)(i->next * 10000 / i->count) : 10000;
  snprintf(s->progress, sizeof s->progress, "%.2f%%", *pct / 100.0);
  return s->progress;
}

EXPORT const char *plugin_list_open_params(void *sp, int32_t *rc) {
  (void)sp;
  *rc = RC_SUCCESS;
  return "[{\"value\":\"count=20\",\"desc\":\"twenty events\"},{\"value\":\"count=1000000\",\"desc\":\"a million\"}]";
}
#endif

static const char *payload_of(const evt_hdr *e, uint32_t *len) {
  if (e->type != 322 || e->nparams < 2) return NULL;
  const uint8_t *p = (const uint8_t *)e + sizeof *e;
  uint32_t l0, l1;
  memcpy(&l0, p, 4);
  memcpy(&l1, p + 4, 4);
  *len = l1;
  return (const char *)(p + 8 + l0);
}

EXPORT const char *plugin_event_to_string(void *sp, const evt_input *in) {
  state_t *s = sp;
  uint32_t len = 0;
  const char *pl = payload_of(in->evt, &len);
  if (!pl) return NULL;
  snprintf(s->tostr, sizeof s->tostr, "test event: %.*s", (int)len, pl);
  return s->tostr;
}

/* ---- field extraction -------------------------------------------------- */
EXPORT const char *plugin_get_fields(void) {
  return "["
         "{\"type\":\"uint64\",\"name\":\"" FIELD_PREFIX ".n\",\"desc\":\"the event's sequence number\"},"
         "{\"type\":\"string\",\"name\":\"" FIELD_PREFIX ".msg\",\"desc\":\"the event's word\"},"
         "{\"type\":\"bool\",\"name\":\"" FIELD_PREFIX ".even\",\"desc\":\"n is even\"},"
         "{\"type\":\"string\",\"name\":\"" FIELD_PREFIX ".tags\",\"isList\":true,\"desc\":\"tags\"},"
         "{\"type\":\"string\",\"name\":\"" FIELD_PREFIX ".arg\",\"arg\":{\"isRequired\":true,\"isKey\":true},\"desc\":\"echo of the key\"},"
         "{\"type\":\"uint64\",\"name\":\"" FIELD_PREFIX ".idx\",\"arg\":{\"isRequired\":true,\"isIndex\":true},\"desc\":\"n times the index\"},"
         "{\"type\":\"ipaddr\",\"name\":\"" FIELD_PREFIX ".ip\",\"desc\":\"10.0.0.n\"},"
         "{\"type\":\"uint64\",\"name\":\"" FIELD_PREFIX ".parsed\",\"desc\":\"events parsed so far\"}"
#ifdef TABLES
         ",{\"type\":\"string\",\"name\":\"" FIELD_PREFIX ".comm\",\"desc\":\"the thread's comm, from the threads table\"},"
         "{\"type\":\"uint64\",\"name\":\"" FIELD_PREFIX ".pid\",\"desc\":\"the thread's pid, from the threads table\"},"
         "{\"type\":\"string\",\"name\":\"" FIELD_PREFIX ".tag\",\"desc\":\"the tag parse_event wrote on the thread\"},"
         "{\"type\":\"uint64\",\"name\":\"" FIELD_PREFIX ".count\",\"desc\":\"the thread's events parsed\"},"
         "{\"type\":\"uint64\",\"name\":\"" FIELD_PREFIX ".nthreads\",\"desc\":\"get_table_size of threads\"},"
         "{\"type\":\"uint64\",\"name\":\"" FIELD_PREFIX ".iterated\",\"desc\":\"threads visited by iterate_entries\"},"
         "{\"type\":\"uint64\",\"name\":\"" FIELD_PREFIX ".nfields\",\"desc\":\"fields of threads listed at init\"},"
         "{\"type\":\"string\",\"name\":\"" FIELD_PREFIX ".peer\",\"desc\":\"the word at tid % 4 in the peer table\"},"
         "{\"type\":\"string\",\"name\":\"" FIELD_PREFIX ".peer_err\",\"desc\":\"the owner error after a missing key\"},"
         "{\"type\":\"string\",\"name\":\"" FIELD_PREFIX ".args\",\"desc\":\"the args subtable's values, joined\"},"
         "{\"type\":\"string\",\"name\":\"" FIELD_PREFIX ".cgroup\",\"desc\":\"second of the cgroups subtable's entry 0\"},"
         "{\"type\":\"string\",\"name\":\"" FIELD_PREFIX ".fds\",\"desc\":\"the file_descriptors subtable's rows\"},"
         "{\"type\":\"string\",\"name\":\"" FIELD_PREFIX ".fd_err\",\"desc\":\"the owner error after asking for fd -7\"}"
#endif
#ifdef LISTEN
         ",{\"type\":\"uint64\",\"name\":\"" FIELD_PREFIX ".opened\",\"desc\":\"the flag capture_open set on the thread\"},"
         "{\"type\":\"uint64\",\"name\":\"" FIELD_PREFIX ".open_count\",\"desc\":\"threads capture_open visited\"},"
         "{\"type\":\"uint64\",\"name\":\"" FIELD_PREFIX ".closes\",\"desc\":\"capture_close calls\"}"
#endif
         "]";
}

#ifdef TABLES
typedef struct { const reader_ext_vt *r; state_t *s; uint64_t n; int bad; void *sub; char *out; size_t cap; } iter_state;

static uint32_t count_thread(void *st, void *e) {
  iter_state *it = st;
  state_data tid;
  if (it->r->read_entry_field(it->s->threads, e, it->s->f_tid, &tid) != RC_SUCCESS) it->bad = 1;
  it->n++;
  return 1;
}

static uint32_t join_arg(void *st, void *e) {
  iter_state *it = st;
  state_data v;
  if (it->r->read_entry_field(it->sub, e, it->s->f_args_value, &v) != RC_SUCCESS) {
    it->bad = 1;
    return 0;
  }
  size_t used = strlen(it->out);
  snprintf(it->out + used, it->cap - used, "%s%s", it->n++ ? " " : "", v.str);
  return 1;
}

/* One row of file_descriptors, its fields read with their types; its entry by key must have the same name. */
static uint32_t list_fd(void *st, void *e) {
  iter_state *it = st;
  state_t *s = it->s;
  state_data fd, type, name, oflags, ino, sport, l4, v6dport, usrc, again;
  if (it->r->read_entry_field(it->sub, e, s->f_fd_fd, &fd) != RC_SUCCESS || it->r->read_entry_field(it->sub, e, s->f_fd_type, &type) != RC_SUCCESS ||
      it->r->read_entry_field(it->sub, e, s->f_fd_name, &name) != RC_SUCCESS ||
      it->r->read_entry_field(it->sub, e, s->f_fd_oflags, &oflags) != RC_SUCCESS ||
      it->r->read_entry_field(it->sub, e, s->f_fd_ino, &ino) != RC_SUCCESS || it->r->read_entry_field(it->sub, e, s->f_fd_sport, &sport) != RC_SUCCESS ||
      it->r->read_entry_field(it->sub, e, s->f_fd_l4, &l4) != RC_SUCCESS ||
      it->r->read_entry_field(it->sub, e, s->f_fd_v6dport, &v6dport) != RC_SUCCESS ||
      it->r->read_entry_field(it->sub, e, s->f_fd_usrc, &usrc) != RC_SUCCESS) {
    it->bad = 1;
    return 0;
  }
  size_t used = strlen(it->out);
  snprintf(it->out + used, it->cap - used, "%s%lld:%u:%s:%u:%llu:%u:%u:%u:%llu", it->n++ ? "|" : "", (long long)fd.s64, (unsigned)type.u8, name.str,
           (unsigned)oflags.u32, (unsigned long long)ino.u64, (unsigned)sport.u16, (unsigned)l4.u8, (unsigned)v6dport.u16,
           (unsigned long long)usrc.u64);
  /* The same row by its key. */
  void *k = it->r->get_table_entry(it->sub, &fd);
  if (!k || it->r->read_entry_field(it->sub, k, s->f_fd_name, &again) != RC_SUCCESS || strcmp(again.str, name.str) != 0) {
    it->bad = 1;
    return 0;
  }
  it->r->release_table_entry(it->sub, k);
  return 1;
}

/* The table fields (ids 8 and up) of one event. */
static int32_t table_extract(state_t *s, const evt_input *ev, const extract_input *in) {
  const reader_ext_vt *r = in->table_reader_ext;
  const char *(*oerr)(void *) = in->get_owner_last_error;
  void *e = NULL;
  if (s->init_args && table_case(s, "late_subtable")) {
    uint64_t n = r->get_table_size(s->init_args);
    s->init_args = NULL;
    if (n == (uint64_t)-1) {
      snprintf(s->err, sizeof s->err, "get_table_size: %s", oerr(in->owner));
      return RC_FAILURE;
    }
  }
  if (s->kept) {
    state_data v;
    int32_t rc = r->read_entry_field(s->threads, s->kept, s->f_comm, &v);
    s->kept = NULL;
    if (rc != RC_SUCCESS) {
      snprintf(s->err, sizeof s->err, "read_entry_field: %s", oerr(in->owner));
      return RC_FAILURE;
    }
  }
  for (uint32_t k = 0; k < in->num_fields; k++) {
    extract_field *f = &in->fields[k];
    if (f->field_id < 8) continue;
    f->res_len = 0;
    state_data key, v;
    key.s64 = (int64_t)ev->evt->tid;
    if ((f->field_id <= 11 || (f->field_id >= 17 && f->field_id <= 21)) && !e && !(e = r->get_table_entry(s->threads, &key))) continue;
    switch (f->field_id) {
      case 8:
      case 10:
        if (r->read_entry_field(s->threads, e, f->field_id == 8 ? s->f_comm : s->f_tag, &v) != RC_SUCCESS) goto fail;
        snprintf(s->tstr[f->field_id == 8 ? 0 : 1], sizeof s->tstr[0], "%s", v.str);
        s->tstrs[f->field_id == 8 ? 0 : 1] = s->tstr[f->field_id == 8 ? 0 : 1];
        f->res.str = &s->tstrs[f->field_id == 8 ? 0 : 1];
        f->res_len = 1;
        break;
      case 9:
      case 11:
        if (r->read_entry_field(s->threads, e, f->field_id == 9 ? s->f_pid : s->f_count, &v) != RC_SUCCESS) goto fail;
        s->tu64s[f->field_id - 9] = v.u64;
        f->res.u64 = &s->tu64s[f->field_id - 9];
        f->res_len = 1;
        break;
      case 12:
        s->tu64s[1] = r->get_table_size(s->threads);
        f->res.u64 = &s->tu64s[1];
        f->res_len = 1;
        break;
      case 13: {
        iter_state it = {r, s, 0, 0, NULL, NULL, 0};
        if (!r->iterate_entries(s->threads, count_thread, &it) || it.bad) goto fail;
        s->tu64s[3] = it.n;
        f->res.u64 = &s->tu64s[3];
        f->res_len = 1;
        break;
      }
      case 14:
        s->tu64s[4] = s->nfields;
        f->res.u64 = &s->tu64s[4];
        f->res_len = 1;
        break;
#ifdef PEER_TABLE
      case 15: {
        state_data pk;
        pk.u64 = ev->evt->tid % 4;
        void *pe = r->get_table_entry(s->peer, &pk);
        if (!pe || r->read_entry_field(s->peer, pe, s->f_word, &v) != RC_SUCCESS) goto fail;
        snprintf(s->tstr[2], sizeof s->tstr[2], "%s", v.str);
        r->release_table_entry(s->peer, pe);
        s->tstrs[2] = s->tstr[2];
        f->res.str = &s->tstrs[2];
        f->res_len = 1;
        break;
      }
      case 16: {
        state_data pk;
        pk.u64 = 99;
        if (r->get_table_entry(s->peer, &pk)) goto fail;
        snprintf(s->tstr[3], sizeof s->tstr[3], "%s", oerr(in->owner));
        s->tstrs[3] = s->tstr[3];
        f->res.str = &s->tstrs[3];
        f->res_len = 1;
        break;
      }
#endif
      case 17: {
        if (r->read_entry_field(s->threads, e, s->f_args, &v) != RC_SUCCESS) goto fail;
        s->tstr[4][0] = '\0';
        iter_state it = {r, s, 0, 0, v.table, s->tstr[4], sizeof s->tstr[4]};
        if (!r->iterate_entries(v.table, join_arg, &it) || it.bad) goto fail;
        s->tstrs[4] = s->tstr[4];
        f->res.str = &s->tstrs[4];
        f->res_len = 1;
        break;
      }
      case 18: {
        state_data k0;
        k0.u64 = 0;
        if (r->read_entry_field(s->threads, e, s->f_cgroups, &v) != RC_SUCCESS) goto fail;
        void *sub = v.table;
        if (r->get_table_size(sub) == 0) break;
        void *ce = r->get_table_entry(sub, &k0);
        if (!ce || r->read_entry_field(sub, ce, s->f_cgroup_second, &v) != RC_SUCCESS) goto fail;
        s->tstrs[5] = v.str; /* returned as read: valid until the call returns */
        r->release_table_entry(sub, ce);
        f->res.str = &s->tstrs[5];
        f->res_len = 1;
        break;
      }
      case 19: {
        if (r->read_entry_field(s->threads, e, s->f_fds, &v) != RC_SUCCESS) goto fail;
        s->fdstr[0] = '\0';
        iter_state it = {r, s, 0, 0, v.table, s->fdstr, sizeof s->fdstr};
        if (!r->iterate_entries(v.table, list_fd, &it) || it.bad || r->get_table_size(v.table) != it.n) goto fail;
        s->fdstrs[0] = s->fdstr;
        f->res.str = &s->fdstrs[0];
        f->res_len = 1;
        break;
      }
      case 20: {
        state_data k;
        k.s64 = -7;
        if (r->read_entry_field(s->threads, e, s->f_fds, &v) != RC_SUCCESS) goto fail;
        if (r->get_table_entry(v.table, &k)) goto fail;
        snprintf(s->fderr, sizeof s->fderr, "%s", oerr(in->owner));
        s->fdstrs[1] = s->fderr;
        f->res.str = &s->fdstrs[1];
        f->res_len = 1;
        break;
      }
#ifdef LISTEN
      case 21:
        if (r->read_entry_field(s->threads, e, s->f_opened, &v) != RC_SUCCESS) goto fail;
        s->lu64s[0] = v.u64;
        f->res.u64 = &s->lu64s[0];
        f->res_len = 1;
        break;
      case 22:
      case 23:
        s->lu64s[f->field_id - 21] = f->field_id == 22 ? s->open_count : s->closes;
        f->res.u64 = &s->lu64s[f->field_id - 21];
        f->res_len = 1;
        break;
#endif
      default: break;
    }
  }
  if (e) r->release_table_entry(s->threads, e);
  return RC_SUCCESS;
fail:
  snprintf(s->err, sizeof s->err, "table extraction: %s", oerr(in->owner));
  if (e) r->release_table_entry(s->threads, e);
  return RC_FAILURE;
}
#endif

EXPORT int32_t plugin_extract_fields(void *sp, const evt_input *ev, const extract_input *in) {
  state_t *s = sp;
  if (has(s, "\"fail_extract\":true")) {
    snprintf(s->err, sizeof s->err, "extraction refused");
    return RC_FAILURE;
  }
  uint32_t len = 0;
  const char *pl = payload_of(ev->evt, &len);
  unsigned long long n = 0;
  char word[32] = "", text[96] = "";
  if (pl) {
    snprintf(text, sizeof text, "%.*s", (int)len, pl); /* the payload is not NUL-terminated */
    sscanf(text, "n=%llu msg=%31s", &n, word);
  }
#ifdef TABLES
  if (table_extract(s, ev, in) != RC_SUCCESS) return RC_FAILURE;
#endif
  s->extracted += in->num_fields;
  for (uint32_t k = 0; k < in->num_fields; k++) {
    extract_field *f = &in->fields[k];
    if (f->field_id >= 8) continue;
    f->res_len = 0;
    if (!pl) continue;
    switch (f->field_id) {
      case 0: s->u64s[0] = n; f->res.u64 = &s->u64s[0]; f->res_len = 1; break;
      case 1:
        snprintf(s->strbuf[0], sizeof s->strbuf[0], "%s", word);
        s->strs[0] = has(s, "\"null_string\":true") ? NULL : s->strbuf[0];
        f->res.str = &s->strs[0];
        f->res_len = 1;
        break;
      case 2: s->bools[0] = n % 2 == 0; f->res.u32 = &s->bools[0]; f->res_len = 1; break;
      case 3:
        snprintf(s->strbuf[1], sizeof s->strbuf[1], "t%llu", n % 3);
        snprintf(s->strbuf[2], sizeof s->strbuf[2], "%s", word);
        s->strs[1] = s->strbuf[1];
        s->strs[2] = s->strbuf[2];
        f->res.str = &s->strs[1];
        f->res_len = 2;
        break;
      case 4:
        snprintf(s->strbuf[3], sizeof s->strbuf[3], "%s", f->arg_key ? f->arg_key : "");
        s->strs[3] = s->strbuf[3];
        f->res.str = &s->strs[3];
        f->res_len = 1;
        break;
      case 5: s->u64s[1] = n * f->arg_index; f->res.u64 = &s->u64s[1]; f->res_len = 1; break;
      case 6:
        s->ip[0] = 10; s->ip[1] = 0; s->ip[2] = 0; s->ip[3] = (uint8_t)n;
        s->bufs[0].len = 4;
        s->bufs[0].ptr = s->ip;
        f->res.buf = &s->bufs[0];
        f->res_len = 1;
        break;
      case 7: s->u64s[2] = s->parsed; f->res.u64 = &s->u64s[2]; f->res_len = 1; break;
      default: break;
    }
  }
  return RC_SUCCESS;
}

/* ---- event parsing ----------------------------------------------------- */
#ifdef TABLES
/* Tags the event's thread and counts its events. */
static int32_t table_parse(state_t *s, const evt_input *ev, const parse_input *in) {
  const reader_ext_vt *r = in->table_reader_ext;
  const writer_vt *w = in->table_writer_ext;
  const char *(*oerr)(void *) = in->get_owner_last_error;
  const char *what = "";
  state_data key, v;
  key.s64 = (int64_t)ev->evt->tid;
  if (table_case(s, "add_entry")) {
    void *fresh = w->create_table_entry(s->threads);
    if (fresh && !w->add_table_entry(s->threads, &key, fresh)) {
      snprintf(s->err, sizeof s->err, "add_table_entry: %s", oerr(in->owner));
      w->destroy_table_entry(s->threads, fresh);
      return RC_FAILURE;
    }
  }
  void *e = r->get_table_entry(s->threads, &key);
  if (!e) return RC_SUCCESS; /* a thread scap-ts does not know */
  if (table_case(s, "write_static")) {
    v.str = "renamed";
    if (w->write_entry_field(s->threads, e, s->f_comm, &v) != RC_SUCCESS) { what = "write_entry_field comm"; goto fail; }
  }
  char tag[300];
  if (r->read_entry_field(s->threads, e, s->f_comm, &v) != RC_SUCCESS) { what = "read_entry_field comm"; goto fail; }
  snprintf(tag, sizeof tag, "seen:%s", v.str);
  v.str = tag;
  if (w->write_entry_field(s->threads, e, s->f_tag, &v) != RC_SUCCESS) { what = "write_entry_field tag"; goto fail; }
  if (r->read_entry_field(s->threads, e, s->f_count, &v) != RC_SUCCESS) { what = "read_entry_field count"; goto fail; }
  v.u64++;
  if (w->write_entry_field(s->threads, e, s->f_count, &v) != RC_SUCCESS) { what = "write_entry_field count"; goto fail; }
  if (table_case(s, "late_entry")) s->kept = e;
  else r->release_table_entry(s->threads, e);
  return RC_SUCCESS;
fail:
  snprintf(s->err, sizeof s->err, "%s: %s", what, oerr(in->owner));
  r->release_table_entry(s->threads, e);
  return RC_FAILURE;
}
#endif

EXPORT int32_t plugin_parse_event(void *sp, const evt_input *ev, const parse_input *in) {
  (void)in;
  state_t *s = sp;
  if (has(s, "\"fail_parse\":true")) {
    snprintf(s->err, sizeof s->err, "parse refused");
    return RC_FAILURE;
  }
  s->parsed++;
#ifdef TABLES
  if (table_parse(s, ev, in) != RC_SUCCESS) return RC_FAILURE;
#endif
  uint32_t len = 0;
  const char *pl = payload_of(ev->evt, &len);
  unsigned long long n = 0;
  char text[96] = "";
  if (pl) snprintf(text, sizeof text, "%.*s", (int)len, pl);
  if (pl && sscanf(text, "n=%llu", &n) == 1) s->last_parsed_n = n;
  return RC_SUCCESS;
}

/* ---- set_config and metrics --------------------------------------------- */
#ifndef NO_SET_CONFIG
EXPORT int32_t plugin_set_config(void *sp, const set_config_input *in) {
  state_t *s = sp;
  const char *c = in && in->config ? in->config : "";
  if (strstr(c, "\"reject_config\":true")) {
    snprintf(s->err, sizeof s->err, "config rejected: %s", c);
    return RC_FAILURE;
  }
  snprintf(s->cfg, sizeof s->cfg, "%s", c);
  s->config_updates++;
  return RC_SUCCESS;
}
#endif

#ifndef NO_METRICS
static void set_metric(metric *m, const char *name, int type, int vtype) {
  m->name = name;
  m->type = type;
  m->value_type = vtype;
}

EXPORT metric *plugin_get_metrics(void *sp, uint32_t *num) {
  state_t *s = sp;
  const char *lv = strstr(s->cfg, "\"level\":");
  long long level = lv ? strtoll(lv + 8, NULL, 10) : -1;
  metric *m = s->metrics;
  set_metric(&m[0], "events_parsed", METRIC_MONOTONIC, MV_U64); m[0].value.u64 = s->parsed;
  set_metric(&m[1], "fields_extracted", METRIC_MONOTONIC, MV_U32); m[1].value.u32 = (uint32_t)s->extracted;
  set_metric(&m[2], "config_updates", METRIC_MONOTONIC, MV_S32); m[2].value.s32 = s->config_updates;
  set_metric(&m[3], "level", METRIC_NON_MONOTONIC, MV_S64); m[3].value.s64 = level;
  set_metric(&m[4], "ratio", METRIC_NON_MONOTONIC, MV_D); m[4].value.d = 0.25;
  set_metric(&m[5], "scale", METRIC_NON_MONOTONIC, MV_F); m[5].value.f = 1.5f;
  set_metric(&m[6], "sign", METRIC_NON_MONOTONIC, MV_I); m[6].value.i = -7;
  *num = has(s, "\"bad_metric\":true") ? 8 : 7;
  if (*num == 8) { /* the 8th: an unknown value type, in a slot past the array */
    static metric bad[8];
    memcpy(bad, m, sizeof s->metrics);
    set_metric(&bad[7], "bogus", METRIC_MONOTONIC, 99);
    return bad;
  }
  return m;
}
#endif

/* ---- async events ------------------------------------------------------ */
EXPORT const char *plugin_get_async_events(void) { return "[\"" FIELD_PREFIX "_tick\"]"; }
EXPORT const char *plugin_get_async_event_sources(void) { return "[\"" EVENT_SOURCE "\"]"; }

/* An asyncevent (402) named `name` with payload `data` into buf (128 bytes at least). */
static evt_hdr *make_async(uint8_t *buf, const char *name, const char *data, uint64_t ts) {
  evt_hdr *e = (evt_hdr *)buf;
  uint32_t l0 = 4, l1 = (uint32_t)strlen(name) + 1, l2 = (uint32_t)strlen(data), id = 0;
  uint8_t *p = buf + sizeof *e;
  memcpy(p, &l0, 4);
  memcpy(p + 4, &l1, 4);
  memcpy(p + 8, &l2, 4);
  memcpy(p + 12, &id, 4);
  memcpy(p + 16, name, l1);
  memcpy(p + 16 + l1, data, l2);
  e->ts = ts;
  e->tid = (uint64_t)-1;
  e->type = 402;
  e->nparams = 3;
  e->len = sizeof *e + 12 + 4 + l1 + l2;
  return e;
}

#ifdef DUMP_STATE
EXPORT int32_t plugin_dump_state(void *sp, void *owner, async_handler h) {
  state_t *s = sp;
  uint8_t buf[160];
  char data[64], err[1024];
  snprintf(data, sizeof data, "state:config_updates=%d", (int)s->config_updates);
  if (h(owner, make_async(buf, FIELD_PREFIX "_tick", data, 3000000000ULL), err) != RC_SUCCESS) {
    snprintf(s->err, sizeof s->err, "dump handler: %.900s", err);
    return RC_FAILURE;
  }
  if (has(s, "fail_dump")) {
    snprintf(s->err, sizeof s->err, "state dump refused");
    return RC_FAILURE;
  }
  snprintf(data, sizeof data, "state:parsed=%llu", (unsigned long long)s->parsed);
  if (h(owner, make_async(buf, FIELD_PREFIX "_tick", data, 3000000001ULL), err) != RC_SUCCESS) {
    snprintf(s->err, sizeof s->err, "dump handler: %.900s", err);
    return RC_FAILURE;
  }
  return RC_SUCCESS;
}
#endif

static void *async_loop(void *sp) {
  state_t *s = sp;
  uint8_t buf[128];
  for (int k = 0; k < 3 && s->async_running; k++) {
#ifdef ASYNC_BAD_NAME
    const char *name = "undeclared";
#else
    const char *name = FIELD_PREFIX "_tick";
#endif
    char data[16];
    snprintf(data, sizeof data, "tick%d", k);
    evt_hdr *e = make_async(buf, name, data, 2000000000ULL + (uint64_t)k);
    char err[1024];
    s->async_fn(s->async_owner, e, err);
    usleep(1000);
  }
  return NULL;
}

EXPORT int32_t plugin_set_async_event_handler(void *sp, void *owner, async_handler h) {
  state_t *s = sp;
  if (s->async_running) {
    s->async_running = 0;
    pthread_join(s->async_thread, NULL);
  }
  if (!h) return RC_SUCCESS;
  s->async_owner = owner;
  s->async_fn = h;
  s->async_running = 1;
  pthread_create(&s->async_thread, NULL, async_loop, s);
  return RC_SUCCESS;
}

/* ---- capture listening (LISTEN) ----------------------------------------- */
#ifdef LISTEN
typedef struct { state_t *s; const listen_input *in; int bad; } open_iter;

static uint32_t mark_opened(void *st, void *e) {
  open_iter *it = st;
  state_data one;
  one.u64 = 1;
  if (it->in->table_writer_ext->write_entry_field(it->s->threads, e, it->s->f_opened, &one) != RC_SUCCESS) {
    it->bad = 1;
    return 0;
  }
  it->s->open_count++;
  return 1;
}

static uint32_t never_run(void *s, void *st) { (void)s; (void)st; return 0; }

EXPORT int32_t plugin_capture_open(void *sp, const listen_input *in) {
  state_t *s = sp;
  if (has(s, "\"fail_open\":true")) {
    snprintf(s->err, sizeof s->err, "capture open refused by configuration");
    return RC_FAILURE;
  }
  /* The host has no thread pool: it must refuse routines, not take them. */
  if (in->routine->subscribe(in->owner, never_run, NULL) != NULL) {
    snprintf(s->err, sizeof s->err, "a routine was accepted");
    return RC_FAILURE;
  }
  open_iter it = {s, in, 0};
  s->open_count = 0;
  if (!in->table_reader_ext->iterate_entries(s->threads, mark_opened, &it) || it.bad) {
    snprintf(s->err, sizeof s->err, "marking the threads: %s", in->get_owner_last_error(in->owner));
    return RC_FAILURE;
  }
  return RC_SUCCESS;
}

#ifndef HALF_LISTEN
EXPORT int32_t plugin_capture_close(void *sp, const listen_input *in) {
  (void)in;
  ((state_t *)sp)->closes++;
  return RC_SUCCESS;
}
#endif
#endif
