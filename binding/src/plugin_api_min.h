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

// State tables. scap-ts exposes no tables to plugins yet, but plugins built
// with the SDKs dereference these vtables unconditionally, so every one is
// given, with functions that report "no such table".
struct TableFieldInfo {
  const char* name;
  uint32_t field_type;
  ss_plugin_bool read_only;
};
struct TableInfo {
  const char* name;
  uint32_t key_type;
};
struct TableFieldsVtable {
  const TableFieldInfo* (*list_table_fields)(void* t, uint32_t* nfields);
  void* (*get_table_field)(void* t, const char* name, uint32_t type);
  void* (*add_table_field)(void* t, const char* name, uint32_t type);
};
struct TableReaderVtable {  // legacy reader
  const char* (*get_table_name)(void* t);
  uint64_t (*get_table_size)(void* t);
  void* (*get_table_entry)(void* t, const void* key);
  ss_plugin_rc (*read_entry_field)(void* t, void* e, const void* f, void* out);
};
struct TableReaderVtableExt {
  const char* (*get_table_name)(void* t);
  uint64_t (*get_table_size)(void* t);
  void* (*get_table_entry)(void* t, const void* key);
  ss_plugin_rc (*read_entry_field)(void* t, void* e, const void* f, void* out);
  void (*release_table_entry)(void* t, void* e);
  ss_plugin_bool (*iterate_entries)(void* t, ss_plugin_bool (*it)(void* s, void* e), void* s);
};
struct TableWriterVtable {  // legacy writer; the _ext one has the same members
  ss_plugin_rc (*clear_table)(void* t);
  ss_plugin_rc (*erase_table_entry)(void* t, const void* key);
  void* (*create_table_entry)(void* t);
  void (*destroy_table_entry)(void* t, void* e);
  void* (*add_table_entry)(void* t, const void* key, void* e);
  ss_plugin_rc (*write_entry_field)(void* t, void* e, const void* f, const void* in);
};
using TableWriterVtableExt = TableWriterVtable;
struct PluginInitTablesInput {
  TableInfo* (*list_tables)(void* owner, uint32_t* ntables);
  void* (*get_table)(void* owner, const char* name, uint32_t key_type);
  ss_plugin_rc (*add_table)(void* owner, const void* in);
  TableFieldsVtable fields;
  TableFieldsVtable* fields_ext;
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

using AsyncHandlerFn = ss_plugin_rc (*)(void* owner, const PluginEventHdr* evt, char* err);

}  // extern "C"
