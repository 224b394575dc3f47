// The parts of Falco's plugin API (libs userspace/plugin/plugin_api.h, 3.x)
// the host uses, written from the API's documentation: the function types the
// plugin exports as `plugin_<name>` and the structs passed across. Layouts
// must match the API byte for byte: plugins are compiled against the real
// header. Only what scap-ts calls is declared here.
#pragma once

#include <cstdint>

extern "C" {

constexpr int kPluginApiMajor = 3;
constexpr int kPluginApiMinor = 12;
constexpr int kPluginApiPatch = 0;
constexpr int kPluginMaxErrlen = 1024;

using ss_plugin_bool = uint32_t;
using ss_plugin_rc = int32_t;
constexpr ss_plugin_rc kRcSuccess = 0;
constexpr ss_plugin_rc kRcFailure = 1;
constexpr ss_plugin_rc kRcTimeout = -1;
constexpr ss_plugin_rc kRcEof = 2;
constexpr ss_plugin_rc kRcNotSupported = 3;

constexpr uint32_t kFtUint64 = 8;
constexpr uint32_t kFtString = 9;
constexpr uint32_t kFtReltime = 20;
constexpr uint32_t kFtAbstime = 21;
constexpr uint32_t kFtBool = 25;
constexpr uint32_t kFtIpaddr = 40;
constexpr uint32_t kFtIpnet = 41;

#pragma pack(push, 1)
struct PluginEventHdr {
  uint64_t ts;
  uint64_t tid;
  uint32_t len;
  uint16_t type;
  uint32_t nparams;
};
#pragma pack(pop)
static_assert(sizeof(PluginEventHdr) == 26, "scap event header is 26 bytes");

struct PluginEventInput {
  const PluginEventHdr* evt;
  uint64_t evtnum;
  const char* evtsrc;
};

struct PluginByteBuffer {
  uint32_t len;
  const void* ptr;
};

struct PluginExtractField {
  union {
    const char** str;
    uint64_t* u64;
    uint32_t* u32;
    ss_plugin_bool* boolean;
    PluginByteBuffer* buf;
  } res;
  uint64_t res_len;
  uint32_t field_id;
  const char* field;
  const char* arg_key;
  uint64_t arg_index;
  ss_plugin_bool arg_present;
  uint32_t ftype;
  ss_plugin_bool flist;
};

using OwnerLastErrorFn = const char* (*)(void* owner);
using LogFn = void (*)(void* owner, const char* component, const char* msg, int sev);

// State tables (implemented in plugin_tables.cc). Types and data of entry
// fields, as ss_plugin_state_type / ss_plugin_state_data.
constexpr uint32_t kStInt8 = 1;
constexpr uint32_t kStInt16 = 2;
constexpr uint32_t kStInt32 = 3;
constexpr uint32_t kStInt64 = 4;
constexpr uint32_t kStUint8 = 5;
constexpr uint32_t kStUint16 = 6;
constexpr uint32_t kStUint32 = 7;
constexpr uint32_t kStUint64 = 8;
constexpr uint32_t kStString = 9;
constexpr uint32_t kStTable = 10;
constexpr uint32_t kStBool = 25;

union StateData {
  int8_t s8;
  int16_t s16;
  int32_t s32;
  int64_t s64;
  uint8_t u8;
  uint16_t u16;
  uint32_t u32;
  uint64_t u64;
  const char* str;
  ss_plugin_bool b;
  void* table;
};
static_assert(sizeof(StateData) == 8, "ss_plugin_state_data is 8 bytes");

struct TableFieldInfo {
  const char* name;
  uint32_t field_type;
  ss_plugin_bool read_only;
};
struct TableInfo {
  const char* name;
  uint32_t key_type;
};
using TableIteratorFn = ss_plugin_bool (*)(void* s, void* e);
struct TableFieldsVtable {  // the legacy one and the _ext one have the same members
  const TableFieldInfo* (*list_table_fields)(void* t, uint32_t* nfields);
  void* (*get_table_field)(void* t, const char* name, uint32_t type);
  void* (*add_table_field)(void* t, const char* name, uint32_t type);
};
struct TableReaderVtable {  // legacy reader
  const char* (*get_table_name)(void* t);
  uint64_t (*get_table_size)(void* t);
  void* (*get_table_entry)(void* t, const StateData* key);
  ss_plugin_rc (*read_entry_field)(void* t, void* e, const void* f, StateData* out);
};
struct TableReaderVtableExt {
  const char* (*get_table_name)(void* t);
  uint64_t (*get_table_size)(void* t);
  void* (*get_table_entry)(void* t, const StateData* key);
  ss_plugin_rc (*read_entry_field)(void* t, void* e, const void* f, StateData* out);
  void (*release_table_entry)(void* t, void* e);
  ss_plugin_bool (*iterate_entries)(void* t, TableIteratorFn it, void* s);
};
struct TableWriterVtable {  // legacy writer; the _ext one has the same members
  ss_plugin_rc (*clear_table)(void* t);
  ss_plugin_rc (*erase_table_entry)(void* t, const StateData* key);
  void* (*create_table_entry)(void* t);
  void (*destroy_table_entry)(void* t, void* e);
  void* (*add_table_entry)(void* t, const StateData* key, void* e);
  ss_plugin_rc (*write_entry_field)(void* t, void* e, const void* f, const StateData* in);
};
using TableWriterVtableExt = TableWriterVtable;
using TableFieldsVtableExt = TableFieldsVtable;
// ss_plugin_table_input, given by a plugin to add_table. Plugins requiring
// API 3.0 end it after `fields`: the *_ext pointers came with 3.1.
struct TableInput {
  const char* name;
  uint32_t key_type;
  void* table;
  TableReaderVtable reader;
  TableWriterVtable writer;
  TableFieldsVtable fields;
  TableReaderVtableExt* reader_ext;
  TableWriterVtableExt* writer_ext;
  TableFieldsVtableExt* fields_ext;
};
struct PluginInitTablesInput {
  TableInfo* (*list_tables)(void* owner, uint32_t* ntables);
  void* (*get_table)(void* owner, const char* name, uint32_t key_type);
  ss_plugin_rc (*add_table)(void* owner, const TableInput* in);
  TableFieldsVtable fields;
  TableFieldsVtableExt* fields_ext;
  TableReaderVtableExt* reader_ext;
  TableWriterVtableExt* writer_ext;
};

struct PluginInitInput {
  const char* config;
  void* owner;
  OwnerLastErrorFn get_owner_last_error;
  const PluginInitTablesInput* tables;
  LogFn log_fn;
};

struct PluginFieldExtractInput {
  void* owner;
  OwnerLastErrorFn get_owner_last_error;
  uint32_t num_fields;
  PluginExtractField* fields;
  TableReaderVtable table_reader;
  TableReaderVtableExt* table_reader_ext;
  void* value_offsets;
};

struct PluginEventParseInput {
  void* owner;
  OwnerLastErrorFn get_owner_last_error;
  TableReaderVtable table_reader;
  TableWriterVtable table_writer;
  TableReaderVtableExt* table_reader_ext;
  TableWriterVtableExt* table_writer_ext;
};

// ss_plugin_routine_vtable and ss_plugin_capture_listen_input (API 3.6+).
using RoutineFn = ss_plugin_bool (*)(void* s, void* state);
struct RoutineVtable {
  void* (*subscribe)(void* owner, RoutineFn f, void* state);
  ss_plugin_rc (*unsubscribe)(void* owner, void* routine);
};
struct PluginCaptureListenInput {
  void* owner;
  RoutineVtable* routine;
  TableReaderVtableExt* table_reader_ext;
  TableWriterVtableExt* table_writer_ext;
  OwnerLastErrorFn get_owner_last_error;
};

// ss_plugin_set_config_input: the new config given to plugin_set_config.
struct PluginSetConfigInput {
  const char* config;
};

// ss_plugin_metric, as plugin_get_metrics returns an array of them. Its
// type (ss_plugin_metric_type) and value type (ss_plugin_metric_value_type)
// are C enums, numbered from 0 in this order; int-sized, read as uint32_t.
enum PluginMetricType : uint32_t { kMetricMonotonic, kMetricNonMonotonic };
enum PluginMetricValueType : uint32_t { kMetricU32, kMetricS32, kMetricU64, kMetricS64, kMetricD, kMetricF, kMetricI };
// ss_plugin_metric_value: the member value_type names.
union PluginMetricValue {
  uint32_t u32; int32_t s32; uint64_t u64; int64_t s64;
  double d; float f; int i;
};
static_assert(sizeof(PluginMetricValue) == 8, "ss_plugin_metric_value is 8 bytes");
struct PluginMetric {
  const char* name;
  uint32_t type;
  PluginMetricValue value;
  uint32_t value_type;
};
static_assert(sizeof(PluginMetric) == 32, "ss_plugin_metric is 32 bytes on 64-bit targets");

// ss_plugin_async_event_handler_t: set_async_event_handler hands it to the
// plugin for live async events; dump_state (async events capability:
// ss_plugin_rc dump_state(ss_plugin_t*, ss_plugin_owner_t*, handler)) calls
// it synchronously, once per event describing the plugin's state.
using AsyncHandlerFn = ss_plugin_rc (*)(void* owner, const PluginEventHdr* evt, char* err);

}  // extern "C"
