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

// Table access vtables are passed as NULL / zeroed: scap-ts exposes no
// state tables to plugins (yet). Their sizes still matter for the layouts.
struct TableReaderVtable {  // legacy reader: 4 function pointers
  void* fns[4];
};
struct TableWriterVtable {  // legacy writer: 6 function pointers
  void* fns[6];
};

struct PluginInitInput {
  const char* config;
  void* owner;
  OwnerLastErrorFn get_owner_last_error;
  const void* tables;
  LogFn log_fn;
};

struct PluginFieldExtractInput {
  void* owner;
  OwnerLastErrorFn get_owner_last_error;
  uint32_t num_fields;
  PluginExtractField* fields;
  TableReaderVtable table_reader;
  void* table_reader_ext;
  void* value_offsets;
};

struct PluginEventParseInput {
  void* owner;
  OwnerLastErrorFn get_owner_last_error;
  TableReaderVtable table_reader;
  TableWriterVtable table_writer;
  void* table_reader_ext;
  void* table_writer_ext;
};

using AsyncHandlerFn = ss_plugin_rc (*)(void* owner, const PluginEventHdr* evt, char* err);

}  // extern "C"
