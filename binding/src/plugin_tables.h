// State tables for plugins (the plugin API's list_tables / get_table /
// add_table and the table vtables). Two kinds of table:
//  - `threads`: scap-ts's thread table, kept by the Inspector in JS. Its
//    entries are the ThreadInfo objects, read through a JS bridge (see
//    lib/plugins/tables.ts) from within the plugin call that asks: a plugin
//    calls the vtables synchronously from plugin_init / plugin_parse_event /
//    plugin_extract_fields, which the host runs on the JS thread.
//  - tables a plugin registers with add_table: the host keeps its vtables
//    and calls them for the other plugins.
// One TableRegistry is shared by the plugins of one PluginManager.
#pragma once

#include <napi.h>

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "plugin_api_min.h"

namespace scap_ts {

class PluginHost;
struct TableDef;

struct TableField {
  const TableDef* table;
  std::string name;
  uint32_t type;
  bool read_only;
  std::string prop;  // static field: the ThreadInfo property holding it
  int32_t dyn;       // added field: its index in ThreadInfo's dynamic values; -1 for static ones
};

struct TableDef {
  std::string name;
  uint32_t key_type;
  PluginHost* owner = nullptr;  // null for the threads table
  std::string owner_name;
  bool gone = false;  // its plugin was destroyed (the definition stays: accessors may point at it)
  // A plugin's table: its pointer and vtables, copied (for API 3.0 plugins,
  // the *_ext ones are made from the legacy ones).
  void* table = nullptr;
  TableReaderVtableExt reader{};
  TableWriterVtableExt writer{};
  TableFieldsVtableExt fields_vt{};
  std::deque<TableField> fields;  // the threads table's, static then added
};

// A thread entry handed to a plugin: the ThreadInfo object, valid in the
// handle scope of the call that got it.
struct EntrySlot {
  const TableDef* table = nullptr;
  napi_value obj = nullptr;
  bool live = false;
};

class TableRegistry {
 public:
  // bridge: { fields: [{ name, type, prop }], dynProp, get(tid), size(), values() }
  TableRegistry(Napi::Env env, Napi::Object bridge);
  ~TableRegistry();

  TableDef* Find(const std::string& name);
  TableDef& Threads() { return *tables_.front(); }
  std::vector<TableDef*> Live();
  // Registers a plugin's table; "" or the reason it was refused.
  std::string Add(PluginHost* owner, const std::string& owner_name, int api_minor, const TableInput* in);
  void DropOwner(PluginHost* owner);

  // Host calls that may use the threads table (init, parse, extract) run
  // inside a scope: the entries and strings handed out live until it ends.
  void Enter();
  void Leave();
  // "" when the threads table can be read now, else why not.
  std::string CheckJs() const;

  EntrySlot* Acquire(const TableDef* t, napi_value obj);
  void Release(EntrySlot* s);
  const char* Keep(std::string s);

  napi_env env() const { return env_; }
  napi_value Bridge(const char* fn);  // a bridge function
  const std::string& dyn_prop() const { return dyn_prop_; }
  int32_t next_dyn = 0;

 private:
  napi_env env_;
  std::thread::id js_thread_;
  // Weak: the JS side keeps the bridge, so that no native root holds the
  // manager (the bridge's functions reach it) and it can be collected.
  Napi::ObjectReference bridge_;
  std::string dyn_prop_;
  std::deque<std::unique_ptr<TableDef>> tables_;
  int depth_ = 0;
  std::deque<EntrySlot> slots_;
  std::vector<EntrySlot*> free_;
  std::vector<EntrySlot*> used_;
  std::vector<size_t> marks_;
  std::deque<std::string> strings_;
};

// What one plugin holds: the registry, its accessors (the table handles it
// was given) and the arrays handed to it.
struct TableAccessor;
struct TableClient {
  std::shared_ptr<TableRegistry> registry;
  PluginHost* host = nullptr;
  std::string name;
  int api_minor = 0;
  std::map<std::string, std::unique_ptr<TableAccessor>> accessors;
  std::vector<TableInfo> infos;
  std::string* error = nullptr;  // the host's owner error

  void Drop();
};

struct TableAccessor {
  TableClient* client;
  TableDef* def;
  std::vector<TableFieldInfo> infos;
};

// The vtables given to every plugin; they dispatch on the accessor.
extern PluginInitTablesInput kTablesInput;
extern TableReaderVtable kTableReader;
extern TableReaderVtableExt kTableReaderExt;
extern TableWriterVtable kTableWriter;
extern TableWriterVtableExt kTableWriterExt;

// Runs the host call that may reach the threads table inside a registry scope.
class TableScope {
 public:
  explicit TableScope(TableRegistry* r) : r_(r) {
    if (r_) r_->Enter();
  }
  ~TableScope() {
    if (r_) r_->Leave();
  }
  TableScope(const TableScope&) = delete;
  TableScope& operator=(const TableScope&) = delete;

 private:
  TableRegistry* r_;
};

// JS handle of a registry: `new PluginTables(bridge)`; list() and fields(name) describe the tables.
class PluginTables : public Napi::ObjectWrap<PluginTables> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  explicit PluginTables(const Napi::CallbackInfo& info);
  static std::shared_ptr<TableRegistry> From(Napi::Value v);

 private:
  Napi::Value List(const Napi::CallbackInfo& info);
  Napi::Value Fields(const Napi::CallbackInfo& info);
  std::shared_ptr<TableRegistry> registry_;
};

}  // namespace scap_ts
