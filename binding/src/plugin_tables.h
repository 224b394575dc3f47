// State tables for plugins (the plugin API's list_tables / get_table /
// add_table and the table vtables). Two kinds of table:
//  - `threads`: scap-ts's thread table, kept by the Inspector in JS. Its
//    entries are the ThreadInfo objects, read through a JS bridge (see
//    lib/plugins/tables.ts) from within the plugin call that asks: a plugin
//    calls the vtables synchronously from plugin_init / plugin_parse_event /
//    plugin_extract_fields, which the host runs on the JS thread.
//  - tables a plugin registers with add_table: the host keeps its vtables
//    and calls them for the other plugins.
// Some fields of `threads` are tables (args, env, cgroups, file_descriptors):
// reading one gives a handle on that thread's subtable, valid for the plugin
// call; the fields of each kind of subtable (typed, read-only) are shared by
// all threads'. args, env and cgroups are keyed by position; a subtable with
// a key field (file_descriptors: `fd`, int64) is keyed by that field's value.
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
  std::string prop;  // static field: the entry's property holding it
  int32_t dyn;       // added field: its index in ThreadInfo's dynamic values; -1 for static ones
  const TableDef* sub = nullptr;  // a table-valued field: the kind of its subtables
};

struct TableDef {
  std::string name;
  uint32_t key_type;
  PluginHost* owner = nullptr;  // null for the threads table and its subtables
  std::string owner_name;
  bool nested = false;  // a kind of subtable of `threads` (not listed, not found by name)
  std::string key_prop;  // a subtable keyed by a field of its rows: that field ("" when keyed by position)
  bool gone = false;  // its plugin was destroyed (the definition stays: accessors may point at it)
  // A plugin's table: its pointer and vtables, copied (for API 3.0 plugins,
  // the *_ext ones are made from the legacy ones).
  void* table = nullptr;
  TableReaderVtableExt reader{};
  TableWriterVtableExt writer{};
  TableFieldsVtableExt fields_vt{};
  std::deque<TableField> fields;  // the threads table's, static then added
};

// A thread (or subtable) entry handed to a plugin: its JS object, valid in
// the handle scope of the call that got it.
struct EntrySlot {
  const TableDef* table = nullptr;
  napi_value obj = nullptr;
  bool live = false;
};

struct TableClient;

// The handle a plugin holds for a table (ss_plugin_table_t*): it knows which
// plugin calls, for its owner error. A subtable's handle also holds the
// thread and its rows and is live for the plugin call that read it.
struct TableAccessor {
  TableClient* client = nullptr;
  TableDef* def = nullptr;
  std::vector<TableFieldInfo> infos;
  napi_value rows = nullptr;
  napi_value thread = nullptr;  // a subtable's thread (a keyed subtable finds its entries through it)
  bool live = true;
};

// Items handed out during plugin calls: never freed (a stale pointer a plugin
// keeps still points at one, found not live), reused once given back.
template <typename T>
class ScopedPool {
 public:
  T* Take() {
    T* x;
    if (!free_.empty()) {
      x = free_.back();
      free_.pop_back();
    } else {
      x = &items_.emplace_back();
    }
    x->live = true;
    used_.push_back(x);
    return x;
  }
  void Give(T* x) {
    x->live = false;
    free_.push_back(x);
  }
  size_t Mark() const { return used_.size(); }
  // Gives back what was taken since `mark` and is still out.
  void Unwind(size_t mark) {
    for (size_t i = mark; i < used_.size(); i++) {
      if (used_[i]->live) Give(used_[i]);
    }
    used_.resize(mark);
  }

 private:
  std::deque<T> items_;
  std::vector<T*> free_;
  std::vector<T*> used_;
};

class TableRegistry {
 public:
  // bridge: { fields: [{ name, type, prop }], subtables: [{ name, keyType, keyProp, fields: [{ name, type, prop }] }],
  //          dynProp, get(tid), size(), values(), create(), rows(subtable, thread), entry(subtable, thread, key) }
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
  void Release(EntrySlot* s) { slots_.Give(s); }
  TableAccessor* Subtable(TableClient* c, TableDef* kind, napi_value thread, napi_value rows);
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
  ScopedPool<EntrySlot> slots_;
  ScopedPool<TableAccessor> subtables_;
  std::vector<std::pair<size_t, size_t>> marks_;
  std::deque<std::string> strings_;
};

// What one plugin holds: the registry, its accessors (the table handles it
// was given) and the arrays handed to it.
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
