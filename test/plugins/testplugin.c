/*
 * scap-ts test plugin: a Falco plugin (API 3.x) written from the API's
 * documentation (../shared reference §6), with event sourcing, field
 * extraction, event parsing and async events. Built by the tests with
 * `cc -shared -fPIC`; macros make variants for the loader's error cases:
 *   PLUGIN_NAME, PLUGIN_ID, EVENT_SOURCE, API_VERSION, FIELD_PREFIX,
 *   NO_SOURCE (extraction/parsing only), NO_GET_NAME (a required export missing),
 *   NULL_NAME (plugin_get_name returns NULL), NO_ID (a source plugin without id and source
 *   name: it feeds the syscall source), ID_ONLY (plugin_get_id without plugin_get_event_source),
 *   HALF_SOURCE (plugin_open without plugin_next_batch), ASYNC_BAD_NAME (async events
 *   named otherwise than get_async_events says).
 *
 * Behaviour is chosen by the init config (a JSON object; only flags are read):
 *   "fail_init", "fail_next" (the 2nd next_batch fails), "malformed" (a batch with an
 *   event whose lengths disagree), "wrong_id", "null_batch", "fail_extract",
 *   "null_string" (test.msg returns a NULL string), "fail_parse".
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
typedef struct {
  void *owner;
  const char *(*get_owner_last_error)(void *);
  uint32_t num_fields;
  extract_field *fields;
} extract_input; /* only the leading members are read */
typedef struct { const char *name; uint32_t key_type; } table_info;
typedef struct {
  table_info *(*list_tables)(void *owner, uint32_t *n);
  void *(*get_table)(void *owner, const char *name, uint32_t key_type);
  int32_t (*add_table)(void *owner, const void *in);
  void *fields[3];
  void *fields_ext, *reader_ext, *writer_ext;
} tables_input;
typedef struct {
  const char *config;
  void *owner;
  const char *(*get_owner_last_error)(void *);
  const tables_input *tables;
  void (*log_fn)(void *, const char *, const char *, int);
} init_input;
typedef int32_t (*async_handler)(void *owner, const evt_hdr *evt, char *err);

typedef struct {
  char err[256];
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
         "\"label\":{\"type\":\"string\"}},\"additionalProperties\":false}";
}

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
  if (!tables || ntables < 1 || strcmp(tables[0].name, "threads") != 0 || tables[0].key_type != 4) {
    snprintf(s->err, sizeof s->err, "unexpected tables input");
    *rc = RC_FAILURE;
    return s;
  }
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
         "]";
}

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
  for (uint32_t k = 0; k < in->num_fields; k++) {
    extract_field *f = &in->fields[k];
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
EXPORT int32_t plugin_parse_event(void *sp, const evt_input *ev, const void *in) {
  (void)in;
  state_t *s = sp;
  if (has(s, "\"fail_parse\":true")) {
    snprintf(s->err, sizeof s->err, "parse refused");
    return RC_FAILURE;
  }
  s->parsed++;
  uint32_t len = 0;
  const char *pl = payload_of(ev->evt, &len);
  unsigned long long n = 0;
  char text[96] = "";
  if (pl) snprintf(text, sizeof text, "%.*s", (int)len, pl);
  if (pl && sscanf(text, "n=%llu", &n) == 1) s->last_parsed_n = n;
  return RC_SUCCESS;
}

/* ---- async events ------------------------------------------------------ */
EXPORT const char *plugin_get_async_events(void) { return "[\"" FIELD_PREFIX "_tick\"]"; }
EXPORT const char *plugin_get_async_event_sources(void) { return "[\"" EVENT_SOURCE "\"]"; }

static void *async_loop(void *sp) {
  state_t *s = sp;
  uint8_t buf[128];
  for (int k = 0; k < 3 && s->async_running; k++) {
    evt_hdr *e = (evt_hdr *)buf;
#ifdef ASYNC_BAD_NAME
    const char *name = "undeclared";
#else
    const char *name = FIELD_PREFIX "_tick";
#endif
    char data[16];
    int dl = snprintf(data, sizeof data, "tick%d", k);
    uint32_t l0 = 4, l1 = (uint32_t)strlen(name) + 1, l2 = (uint32_t)dl, id = 0;
    uint8_t *p = buf + sizeof *e;
    memcpy(p, &l0, 4);
    memcpy(p + 4, &l1, 4);
    memcpy(p + 8, &l2, 4);
    memcpy(p + 12, &id, 4);
    memcpy(p + 16, name, l1);
    memcpy(p + 16 + l1, data, l2);
    e->ts = 2000000000ULL + (uint64_t)k;
    e->tid = (uint64_t)-1;
    e->type = 402;
    e->nparams = 3;
    e->len = sizeof *e + 12 + 4 + l1 + l2;
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
