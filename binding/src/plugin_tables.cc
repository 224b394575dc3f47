// State tables for plugins (see plugin_tables.h). Every function a plugin
// calls here reports failure the API's way: a NULL / SS_PLUGIN_FAILURE /
// (uint64_t)-1 result and the reason in its owner's last error. No C++
// exception may cross the plugin's frames, so JS is reached through the
// C N-API only and its exceptions are caught and turned into that error.
// Fields are typed, those of subtables too (file_descriptors has int64,
// uint8, uint16, uint32, uint64 and string fields): read_entry_field writes
// the ss_plugin_state_data member of the field's type (FromJs).

#include "plugin_tables.h"

#include <cstring>

#include "plugin_host.h"

namespace scap_ts {
namespace {

constexpr napi_type_tag kTablesTag = {0x5ca97a61e5ab1e00ULL, 0x7ab1e5f0c0ffee01ULL};

const char* TypeName(uint32_t t) {
  switch (t) {
    case kStInt8: return "int8";
    case kStInt16: return "int16";
    case kStInt32: return "int32";
    case kStInt64: return "int64";
    case kStUint8: return "uint8";
    case kStUint16: return "uint16";
    case kStUint32: return "uint32";
    case kStUint64: return "uint64";
    case kStString: return "string";
    case kStTable: return "table";
    case kStBool: return "bool";
    default: return "unknown";
  }
}

bool ValidType(uint32_t t) { return std::strcmp(TypeName(t), "unknown") != 0; }

std::string TypeText(uint32_t t) {
  return ValidType(t) ? TypeName(t) : "unknown type " + std::to_string(t);
}

std::string Utf8(napi_env env, napi_value v) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &len) != napi_ok) return "";
  std::string s(len + 1, '\0');
  napi_get_value_string_utf8(env, v, s.data(), len + 1, &len);
  s.resize(len);
  return s;
}

// The message of the pending JS exception, which is cleared.
std::string TakeJsError(napi_env env) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) return "a call into JS failed";
  napi_value e = nullptr, msg = nullptr, text = nullptr;
  napi_get_and_clear_last_exception(env, &e);
  napi_valuetype t = napi_undefined;
  if (napi_typeof(env, e, &t) == napi_ok && t == napi_object && napi_get_named_property(env, e, "message", &msg) == napi_ok) e = msg;
  if (napi_coerce_to_string(env, e, &text) != napi_ok) {
    napi_get_and_clear_last_exception(env, &e);
    return "a call into JS threw";
  }
  return Utf8(env, text);
}

TableClient* ClientOf(void* owner) { return owner ? &static_cast<PluginHost*>(owner)->tables : nullptr; }

void Fail(TableAccessor* a, std::string msg) { *a->client->error = std::move(msg); }

// The accessor when its table can be used; else the reason is set.
TableAccessor* Use(void* t) {
  auto* a = static_cast<TableAccessor*>(t);
  if (a == nullptr) return nullptr;
  if (!a->live) {
    Fail(a, "subtable '" + a->def->name + "' outlived the plugin call that read it");
    return nullptr;
  }
  if (a->def->gone) {
    Fail(a, "table '" + a->def->name + "' is gone: plugin '" + a->def->owner_name + "', which owned it, was destroyed");
    return nullptr;
  }
  return a;
}

// A plugin's table failed: its owner's last error becomes the caller's.
void OwnerFailed(TableAccessor* a) {
  Fail(a, "table '" + a->def->name + "' of plugin '" + a->def->owner_name + "': " + a->def->owner->LastError());
}

TableRegistry& Reg(TableAccessor* a) { return *a->client->registry; }

bool JsReady(TableAccessor* a) {
  std::string why = Reg(a).CheckJs();
  if (why.empty()) return true;
  Fail(a, why);
  return false;
}

bool CallBridge(TableAccessor* a, const char* fn, size_t argc, const napi_value* argv, napi_value* result) {
  TableRegistry& r = Reg(a);
  napi_env env = r.env();
  napi_value f = r.Bridge(fn);
  napi_value recv = nullptr;
  napi_get_undefined(env, &recv);
  if (f == nullptr) {
    Fail(a, "table '" + a->def->name + "' is gone: its plugin manager was collected");
    return false;
  }
  if (napi_call_function(env, recv, f, argc, argv, result) != napi_ok) {
    Fail(a, "table '" + a->def->name + "': " + TakeJsError(env));
    return false;
  }
  return true;
}

// A ThreadInfo value as the field's type; undefined reads as the zero value.
bool FromJs(TableAccessor* a, const TableField& f, napi_value v, StateData* out) {
  napi_env env = Reg(a).env();
  napi_valuetype vt = napi_undefined;
  napi_typeof(env, v, &vt);
  std::memset(out, 0, sizeof *out);
  if (vt == napi_undefined || vt == napi_null) {
    if (f.type == kStString) out->str = "";
    return true;
  }
  if (f.type == kStString) {
    if (vt != napi_string) {
      Fail(a, "field '" + f.name + "' of table '" + a->def->name + "' holds no string");
      return false;
    }
    out->str = Reg(a).Keep(Utf8(env, v));
    return true;
  }
  if (f.type == kStBool) {
    bool b = false;
    if (vt == napi_boolean) napi_get_value_bool(env, v, &b);
    else {
      double d = 0;
      napi_get_value_double(env, v, &d);
      b = d != 0;
    }
    out->b = b ? 1 : 0;
    return true;
  }
  int64_t i = 0;
  uint64_t u = 0;
  bool lossless = true;
  if (vt == napi_number) {
    napi_get_value_int64(env, v, &i);
    u = static_cast<uint64_t>(i);
  } else if (vt == napi_bigint) {
    napi_get_value_bigint_int64(env, v, &i, &lossless);
    napi_get_value_bigint_uint64(env, v, &u, &lossless);
  } else {
    Fail(a, "field '" + f.name + "' of table '" + a->def->name + "' holds no number");
    return false;
  }
  switch (f.type) {
    case kStInt8: out->s8 = static_cast<int8_t>(i); break;
    case kStInt16: out->s16 = static_cast<int16_t>(i); break;
    case kStInt32: out->s32 = static_cast<int32_t>(i); break;
    case kStInt64: out->s64 = i; break;
    case kStUint8: out->u8 = static_cast<uint8_t>(u); break;
    case kStUint16: out->u16 = static_cast<uint16_t>(u); break;
    case kStUint32: out->u32 = static_cast<uint32_t>(u); break;
    default: out->u64 = u; break;
  }
  return true;
}

// A value written by a plugin, as stored on the ThreadInfo: numbers for the
// narrow integers, bigints for the 64-bit ones.
bool ToJs(TableAccessor* a, const TableField& f, const StateData* in, napi_value* out) {
  napi_env env = Reg(a).env();
  napi_status st;
  switch (f.type) {
    case kStString:
      if (in->str == nullptr) {
        Fail(a, "field '" + f.name + "' of table '" + a->def->name + "': a NULL string was written");
        return false;
      }
      st = napi_create_string_utf8(env, in->str, NAPI_AUTO_LENGTH, out);
      break;
    case kStBool: st = napi_get_boolean(env, in->b != 0, out); break;
    case kStInt8: st = napi_create_int32(env, in->s8, out); break;
    case kStInt16: st = napi_create_int32(env, in->s16, out); break;
    case kStInt32: st = napi_create_int32(env, in->s32, out); break;
    case kStUint8: st = napi_create_uint32(env, in->u8, out); break;
    case kStUint16: st = napi_create_uint32(env, in->u16, out); break;
    case kStUint32: st = napi_create_uint32(env, in->u32, out); break;
    case kStInt64: st = napi_create_bigint_int64(env, in->s64, out); break;
    default: st = napi_create_bigint_uint64(env, in->u64, out); break;
  }
  if (st != napi_ok) {
    Fail(a, "field '" + f.name + "' of table '" + a->def->name + "': " + TakeJsError(env));
    return false;
  }
  return true;
}

// The thread entry `e` handed out by this table, or null with the reason set.
EntrySlot* EntryOf(TableAccessor* a, void* e) {
  auto* s = static_cast<EntrySlot*>(e);
  if (s == nullptr || !s->live || s->table != a->def) {
    Fail(a, "table '" + a->def->name + "': the entry was released, is from another table, or outlived the plugin call that got it");
    return nullptr;
  }
  return s;
}

const TableField* FieldOf(TableAccessor* a, const void* f) {
  auto* fld = static_cast<const TableField*>(f);
  if (fld == nullptr || fld->table != a->def) {
    Fail(a, "table '" + a->def->name + "': the field accessor is NULL or from another table");
    return nullptr;
  }
  return fld;
}

void RefuseEntries(TableAccessor* a) {
  Fail(a, "table '" + a->def->name + "' is kept by scap-ts's Inspector from the events: plugins cannot add, remove or clear its entries");
}

// ---- init-time functions (the owner is the calling plugin's host) ----------

TableInfo* ListTables(void* owner, uint32_t* n) {
  TableClient* c = ClientOf(owner);
  if (n) *n = 0;
  if (c == nullptr || !c->registry || n == nullptr) return nullptr;
  c->infos.clear();
  for (TableDef* d : c->registry->Live()) c->infos.push_back({d->name.c_str(), d->key_type});
  *n = static_cast<uint32_t>(c->infos.size());
  return c->infos.data();
}

void* GetTable(void* owner, const char* name, uint32_t key_type) {
  TableClient* c = ClientOf(owner);
  if (c == nullptr) return nullptr;
  if (!c->registry) {
    *c->error = "no state tables are available to this plugin";
    return nullptr;
  }
  if (name == nullptr) {
    *c->error = "get_table: the table name is NULL";
    return nullptr;
  }
  TableDef* d = c->registry->Find(name);
  if (d == nullptr) {
    std::string known;
    for (TableDef* t : c->registry->Live()) known += (known.empty() ? "" : ", ") + t->name;
    *c->error = std::string("no table named '") + name + "' (the tables are: " + known + ")";
    return nullptr;
  }
  if (d->key_type != key_type) {
    *c->error = "table '" + d->name + "' has keys of type " + TypeText(d->key_type) + ", not " + TypeText(key_type);
    return nullptr;
  }
  auto& acc = c->accessors[d->name];
  if (!acc) acc = std::make_unique<TableAccessor>();
  acc->client = c;
  acc->def = d;  // a table of the same name may have been registered anew
  return acc.get();
}

ss_plugin_rc AddTable(void* owner, const TableInput* in) {
  TableClient* c = ClientOf(owner);
  if (c == nullptr) return kRcFailure;
  if (!c->registry) {
    *c->error = "no state tables are available to this plugin";
    return kRcFailure;
  }
  std::string why = c->registry->Add(c->host, c->name, c->api_minor, in);
  if (why.empty()) return kRcSuccess;
  *c->error = why;
  return kRcFailure;
}

// ---- fields -----------------------------------------------------------------

const TableFieldInfo* ListTableFields(void* t, uint32_t* n) {
  TableAccessor* a = Use(t);
  if (n) *n = 0;
  if (a == nullptr || n == nullptr) return nullptr;
  TableDef* d = a->def;
  if (d->owner) {
    const TableFieldInfo* r = d->fields_vt.list_table_fields(d->table, n);
    if (r == nullptr) OwnerFailed(a);
    return r;
  }
  a->infos.clear();
  for (const TableField& f : d->fields) a->infos.push_back({f.name.c_str(), f.type, f.read_only ? 1u : 0u});
  *n = static_cast<uint32_t>(a->infos.size());
  return a->infos.data();
}

void* GetTableField(void* t, const char* name, uint32_t type) {
  TableAccessor* a = Use(t);
  if (a == nullptr) return nullptr;
  TableDef* d = a->def;
  if (d->owner) {
    void* r = d->fields_vt.get_table_field(d->table, name, type);
    if (r == nullptr) OwnerFailed(a);
    return r;
  }
  if (name == nullptr) {
    Fail(a, "get_table_field: the field name is NULL");
    return nullptr;
  }
  for (TableField& f : d->fields) {
    if (f.name != name) continue;
    if (f.type != type) {
      Fail(a, "field '" + f.name + "' of table '" + d->name + "' is of type " + TypeName(f.type) + ", not " + TypeText(type));
      return nullptr;
    }
    return &f;
  }
  Fail(a, "table '" + d->name + "' has no field '" + name + "'");
  return nullptr;
}

void* AddTableField(void* t, const char* name, uint32_t type) {
  TableAccessor* a = Use(t);
  if (a == nullptr) return nullptr;
  TableDef* d = a->def;
  if (d->owner) {
    void* r = d->fields_vt.add_table_field(d->table, name, type);
    if (r == nullptr) OwnerFailed(a);
    return r;
  }
  if (name == nullptr || *name == '\0') {
    Fail(a, "add_table_field: the field name is NULL or empty");
    return nullptr;
  }
  if (d->nested) {
    Fail(a, std::string("add_table_field '") + name + "': fields cannot be added to subtable '" + d->name + "'");
    return nullptr;
  }
  if (!ValidType(type) || type == kStTable) {
    Fail(a, std::string("add_table_field '") + name + "': a field of " + TypeText(type) + " cannot be added to table '" + d->name + "'");
    return nullptr;
  }
  for (TableField& f : d->fields) {
    if (f.name != name) continue;
    if (f.dyn < 0) {
      Fail(a, "field '" + f.name + "' of table '" + d->name + "' is built in; it cannot be added");
      return nullptr;
    }
    if (f.type != type) {
      Fail(a, "field '" + f.name + "' of table '" + d->name + "' was added with type " + TypeName(f.type) + ", not " + TypeText(type));
      return nullptr;
    }
    return &f;
  }
  d->fields.push_back(TableField{d, name, type, false, "", Reg(a).next_dyn++});
  return &d->fields.back();
}

// ---- reader -------------------------------------------------------------------

const char* GetTableName(void* t) {
  auto* a = static_cast<TableAccessor*>(t);
  return a ? a->def->name.c_str() : nullptr;
}

uint64_t GetTableSize(void* t) {
  TableAccessor* a = Use(t);
  if (a == nullptr) return UINT64_MAX;
  TableDef* d = a->def;
  if (d->owner) {
    uint64_t r = d->reader.get_table_size(d->table);
    if (r == UINT64_MAX) OwnerFailed(a);
    return r;
  }
  if (!JsReady(a)) return UINT64_MAX;
  if (d->nested) {
    uint32_t n = 0;
    napi_get_array_length(Reg(a).env(), a->rows, &n);
    return n;
  }
  napi_value v = nullptr;
  if (!CallBridge(a, "size", 0, nullptr, &v)) return UINT64_MAX;
  int64_t n = 0;
  napi_get_value_int64(Reg(a).env(), v, &n);
  return static_cast<uint64_t>(n);
}

void* GetTableEntry(void* t, const StateData* key) {
  TableAccessor* a = Use(t);
  if (a == nullptr) return nullptr;
  TableDef* d = a->def;
  if (d->owner) {
    void* r = d->reader.get_table_entry(d->table, key);
    if (r == nullptr) OwnerFailed(a);
    return r;
  }
  if (key == nullptr) {
    Fail(a, "get_table_entry: the key is NULL");
    return nullptr;
  }
  if (!JsReady(a)) return nullptr;
  napi_env env = Reg(a).env();
  napi_value obj = nullptr;
  if (d->nested && !d->key_prop.empty()) {
    // Keyed by a field of the rows (file_descriptors: the fd), found through the thread.
    napi_value args[3] = {nullptr, a->thread, nullptr};
    napi_create_string_utf8(env, d->name.c_str(), d->name.size(), &args[0]);
    napi_create_int64(env, key->s64, &args[2]);
    if (!CallBridge(a, "entry", 3, args, &obj)) return nullptr;
    napi_valuetype vt = napi_undefined;
    napi_typeof(env, obj, &vt);
    if (vt != napi_object) {
      Fail(a, "subtable '" + d->name + "' has no entry with " + d->key_prop + " " + std::to_string(key->s64));
      return nullptr;
    }
    return Reg(a).Acquire(d, obj);
  }
  if (d->nested) {
    // args, env and cgroups are keyed by position (int64 or uint64 keys, as libsinsp's).
    uint64_t i = d->key_type == kStUint64 ? key->u64 : static_cast<uint64_t>(key->s64);
    uint32_t n = 0;
    napi_get_array_length(env, a->rows, &n);
    if (i >= n || napi_get_element(env, a->rows, static_cast<uint32_t>(i), &obj) != napi_ok) {
      Fail(a, "subtable '" + d->name + "' has no entry " + std::to_string(i) + " (it has " + std::to_string(n) + ")");
      return nullptr;
    }
    return Reg(a).Acquire(d, obj);
  }
  napi_value k = nullptr;
  napi_create_int64(env, key->s64, &k);
  if (!CallBridge(a, "get", 1, &k, &obj)) return nullptr;
  napi_valuetype vt = napi_undefined;
  napi_typeof(env, obj, &vt);
  if (vt != napi_object) {
    Fail(a, "table 'threads' has no entry for tid " + std::to_string(key->s64));
    return nullptr;
  }
  return Reg(a).Acquire(d, obj);
}

ss_plugin_rc ReadEntryField(void* t, void* e, const void* f, StateData* out) {
  TableAccessor* a = Use(t);
  if (a == nullptr) return kRcFailure;
  TableDef* d = a->def;
  if (d->owner) {
    ss_plugin_rc r = d->reader.read_entry_field(d->table, e, f, out);
    if (r == kRcFailure) OwnerFailed(a);
    return r;
  }
  if (out == nullptr) {
    Fail(a, "read_entry_field: the output is NULL");
    return kRcFailure;
  }
  if (!JsReady(a)) return kRcFailure;
  EntrySlot* s = EntryOf(a, e);
  const TableField* fld = FieldOf(a, f);
  if (s == nullptr || fld == nullptr) return kRcFailure;
  TableRegistry& r = Reg(a);
  napi_env env = r.env();
  napi_value v = nullptr;
  napi_status st;
  if (fld->sub != nullptr) {
    napi_value args[2] = {nullptr, s->obj};
    napi_create_string_utf8(env, fld->name.c_str(), fld->name.size(), &args[0]);
    if (!CallBridge(a, "rows", 2, args, &v)) return kRcFailure;
    std::memset(out, 0, sizeof *out);
    out->table = r.Subtable(a->client, const_cast<TableDef*>(fld->sub), s->obj, v);
    return kRcSuccess;
  }
  if (fld->dyn < 0) {
    st = napi_get_named_property(env, s->obj, fld->prop.c_str(), &v);
  } else {
    napi_value arr = nullptr;
    bool is_array = false;
    st = napi_get_named_property(env, s->obj, r.dyn_prop().c_str(), &arr);
    if (st == napi_ok && napi_is_array(env, arr, &is_array) == napi_ok && is_array) st = napi_get_element(env, arr, fld->dyn, &v);
    else napi_get_undefined(env, &v);
  }
  if (st != napi_ok) {
    Fail(a, "field '" + fld->name + "' of table '" + d->name + "': " + TakeJsError(env));
    return kRcFailure;
  }
  return FromJs(a, *fld, v, out) ? kRcSuccess : kRcFailure;
}

void ReleaseTableEntry(void* t, void* e) {
  TableAccessor* a = Use(t);
  if (a == nullptr) return;
  TableDef* d = a->def;
  if (d->owner) {
    d->reader.release_table_entry(d->table, e);
    return;
  }
  auto* s = static_cast<EntrySlot*>(e);
  if (s != nullptr && s->live && s->table == d) Reg(a).Release(s);
}

ss_plugin_bool IterateEntries(void* t, TableIteratorFn it, void* state) {
  TableAccessor* a = Use(t);
  if (a == nullptr) return 0;
  TableDef* d = a->def;
  if (d->owner) return d->reader.iterate_entries(d->table, it, state);
  if (it == nullptr) {
    Fail(a, "iterate_entries: the iterator is NULL");
    return 0;
  }
  napi_value arr = a->rows;
  if (!JsReady(a) || (!d->nested && !CallBridge(a, "values", 0, nullptr, &arr))) return 0;
  TableRegistry& r = Reg(a);
  napi_env env = r.env();
  uint32_t n = 0;
  napi_get_array_length(env, arr, &n);
  for (uint32_t i = 0; i < n; i++) {
    // Each step in its own handle scope: the entry lives for that step only,
    // so a large table does not pile up handles until the plugin call ends.
    napi_handle_scope hs = nullptr;
    napi_open_handle_scope(env, &hs);
    r.Enter();
    napi_value obj = nullptr;
    bool go = napi_get_element(env, arr, i, &obj) == napi_ok && it(state, r.Acquire(d, obj)) != 0;
    r.Leave();
    napi_close_handle_scope(env, hs);
    if (!go) return 0;
  }
  return 1;
}

// ---- writer -------------------------------------------------------------------

ss_plugin_rc ClearTable(void* t) {
  TableAccessor* a = Use(t);
  if (a == nullptr) return kRcFailure;
  TableDef* d = a->def;
  if (d->owner) {
    ss_plugin_rc r = d->writer.clear_table(d->table);
    if (r == kRcFailure) OwnerFailed(a);
    return r;
  }
  RefuseEntries(a);
  return kRcFailure;
}

ss_plugin_rc EraseTableEntry(void* t, const StateData* key) {
  TableAccessor* a = Use(t);
  if (a == nullptr) return kRcFailure;
  TableDef* d = a->def;
  if (d->owner) {
    ss_plugin_rc r = d->writer.erase_table_entry(d->table, key);
    if (r == kRcFailure) OwnerFailed(a);
    return r;
  }
  RefuseEntries(a);
  return kRcFailure;
}

// A thread entry outside the table: the SDKs make one at init to reach the
// fields of subtables. It can be read and destroyed, not added.
void* CreateTableEntry(void* t) {
  TableAccessor* a = Use(t);
  if (a == nullptr) return nullptr;
  TableDef* d = a->def;
  if (d->owner) {
    void* r = d->writer.create_table_entry(d->table);
    if (r == nullptr) OwnerFailed(a);
    return r;
  }
  napi_value obj = nullptr;
  if (d->nested) {
    RefuseEntries(a);
    return nullptr;
  }
  if (!JsReady(a) || !CallBridge(a, "create", 0, nullptr, &obj)) return nullptr;
  return Reg(a).Acquire(d, obj);
}

void DestroyTableEntry(void* t, void* e) {
  TableAccessor* a = Use(t);
  if (a == nullptr) return;
  if (a->def->owner) {
    a->def->writer.destroy_table_entry(a->def->table, e);
    return;
  }
  auto* s = static_cast<EntrySlot*>(e);
  if (s != nullptr && s->live && s->table == a->def) Reg(a).Release(s);
}

void* AddTableEntry(void* t, const StateData* key, void* e) {
  TableAccessor* a = Use(t);
  if (a == nullptr) return nullptr;
  TableDef* d = a->def;
  if (d->owner) {
    void* r = d->writer.add_table_entry(d->table, key, e);
    if (r == nullptr) OwnerFailed(a);
    return r;
  }
  RefuseEntries(a);
  return nullptr;
}

ss_plugin_rc WriteEntryField(void* t, void* e, const void* f, const StateData* in) {
  TableAccessor* a = Use(t);
  if (a == nullptr) return kRcFailure;
  TableDef* d = a->def;
  if (d->owner) {
    ss_plugin_rc r = d->writer.write_entry_field(d->table, e, f, in);
    if (r == kRcFailure) OwnerFailed(a);
    return r;
  }
  if (in == nullptr) {
    Fail(a, "write_entry_field: the input is NULL");
    return kRcFailure;
  }
  if (!JsReady(a)) return kRcFailure;
  EntrySlot* s = EntryOf(a, e);
  const TableField* fld = FieldOf(a, f);
  if (s == nullptr || fld == nullptr) return kRcFailure;
  if (fld->dyn < 0) {
    Fail(a, "field '" + fld->name + "' of table '" + d->name + "' is read-only: scap-ts keeps the built-in fields from the events");
    return kRcFailure;
  }
  TableRegistry& r = Reg(a);
  napi_env env = r.env();
  napi_value v = nullptr, arr = nullptr;
  if (!ToJs(a, *fld, in, &v)) return kRcFailure;
  bool is_array = false;
  napi_status st = napi_get_named_property(env, s->obj, r.dyn_prop().c_str(), &arr);
  if (st == napi_ok && (napi_is_array(env, arr, &is_array) != napi_ok || !is_array)) {
    st = napi_create_array(env, &arr);
    if (st == napi_ok) st = napi_set_named_property(env, s->obj, r.dyn_prop().c_str(), arr);
  }
  if (st == napi_ok) st = napi_set_element(env, arr, fld->dyn, v);
  if (st != napi_ok) {
    Fail(a, "field '" + fld->name + "' of table '" + d->name + "': " + TakeJsError(env));
    return kRcFailure;
  }
  return kRcSuccess;
}

void NoRelease(void*, void*) {}
ss_plugin_bool NoIterate(void*, TableIteratorFn, void*) { return 0; }

TableFieldsVtable kFieldsVt{ListTableFields, GetTableField, AddTableField};

}  // namespace

PluginInitTablesInput kTablesInput{ListTables, GetTable, AddTable, kFieldsVt, &kFieldsVt, &kTableReaderExt, &kTableWriterExt};
TableReaderVtable kTableReader{GetTableName, GetTableSize, GetTableEntry, ReadEntryField};
TableReaderVtableExt kTableReaderExt{GetTableName, GetTableSize, GetTableEntry, ReadEntryField, ReleaseTableEntry, IterateEntries};
TableWriterVtable kTableWriter{ClearTable, EraseTableEntry, CreateTableEntry, DestroyTableEntry, AddTableEntry, WriteEntryField};
TableWriterVtableExt kTableWriterExt = kTableWriter;

// ---- registry -------------------------------------------------------------------

TableRegistry::TableRegistry(Napi::Env env, Napi::Object bridge)
    : env_(env), js_thread_(std::this_thread::get_id()), bridge_(Napi::Weak(bridge)) {
  dyn_prop_ = bridge.Get("dynProp").As<Napi::String>().Utf8Value();
  // Static fields, all read-only and typed: [{ name, type, prop }].
  auto add_fields = [](TableDef* d, Napi::Array fields) {
    for (uint32_t i = 0; i < fields.Length(); i++) {
      Napi::Object f = fields.Get(i).As<Napi::Object>();
      d->fields.push_back(TableField{d, f.Get("name").As<Napi::String>().Utf8Value(), f.Get("type").As<Napi::Number>().Uint32Value(),
                                     true, f.Get("prop").As<Napi::String>().Utf8Value(), -1});
    }
  };
  auto threads = std::make_unique<TableDef>();
  threads->name = "threads";
  threads->key_type = kStInt64;
  threads->owner_name = "scap-ts";
  add_fields(threads.get(), bridge.Get("fields").As<Napi::Array>());
  TableDef* t = threads.get();
  tables_.push_back(std::move(threads));
  Napi::Array subs = bridge.Get("subtables").As<Napi::Array>();
  for (uint32_t i = 0; i < subs.Length(); i++) {
    Napi::Object o = subs.Get(i).As<Napi::Object>();
    auto kind = std::make_unique<TableDef>();
    kind->name = o.Get("name").As<Napi::String>().Utf8Value();
    kind->key_type = o.Get("keyType").As<Napi::Number>().Uint32Value();
    kind->owner_name = "scap-ts";
    kind->nested = true;
    kind->key_prop = o.Get("keyProp").As<Napi::String>().Utf8Value();
    add_fields(kind.get(), o.Get("fields").As<Napi::Array>());
    t->fields.push_back(TableField{t, kind->name, kStTable, true, "", -1, kind.get()});
    tables_.push_back(std::move(kind));
  }
}

TableRegistry::~TableRegistry() = default;

TableDef* TableRegistry::Find(const std::string& name) {
  for (auto& t : tables_) {
    if (!t->gone && !t->nested && t->name == name) return t.get();
  }
  return nullptr;
}

std::vector<TableDef*> TableRegistry::Live() {
  std::vector<TableDef*> out;
  for (auto& t : tables_) {
    if (!t->gone && !t->nested) out.push_back(t.get());
  }
  return out;
}

std::string TableRegistry::Add(PluginHost* owner, const std::string& owner_name, int api_minor, const TableInput* in) {
  if (in == nullptr) return "add_table: the table input is NULL";
  if (in->name == nullptr || *in->name == '\0') return "add_table: the table has no name";
  std::string name = in->name;
  std::string pre = "add_table '" + name + "': ";
  if (Find(name)) return pre + "a table of that name is already registered";
  if (!ValidType(in->key_type) || in->key_type == kStTable) return pre + "unsupported key type (" + TypeText(in->key_type) + ")";
  if (in->table == nullptr) return pre + "the table pointer is NULL";
  auto d = std::make_unique<TableDef>();
  d->name = name;
  d->key_type = in->key_type;
  d->owner = owner;
  d->owner_name = owner_name;
  d->table = in->table;
  if (api_minor < 1) {
    // API 3.0 plugins give only the legacy vtables (and their input ends there).
    const TableReaderVtable& r = in->reader;
    d->reader = {r.get_table_name, r.get_table_size, r.get_table_entry, r.read_entry_field, NoRelease, NoIterate};
    d->writer = in->writer;
    d->fields_vt = in->fields;
  } else {
    if (in->reader_ext == nullptr || in->writer_ext == nullptr || in->fields_ext == nullptr) {
      return pre + "reader_ext, writer_ext and fields_ext must all be given (plugin API >= 3.1)";
    }
    d->reader = *in->reader_ext;
    d->writer = *in->writer_ext;
    d->fields_vt = *in->fields_ext;
  }
  const TableReaderVtableExt& r = d->reader;
  const TableWriterVtableExt& w = d->writer;
  const TableFieldsVtableExt& f = d->fields_vt;
  if (!r.get_table_name || !r.get_table_size || !r.get_table_entry || !r.read_entry_field || !r.release_table_entry ||
      !r.iterate_entries || !w.clear_table || !w.erase_table_entry || !w.create_table_entry || !w.destroy_table_entry ||
      !w.add_table_entry || !w.write_entry_field || !f.list_table_fields || !f.get_table_field || !f.add_table_field) {
    return pre + "a vtable function is NULL";
  }
  tables_.push_back(std::move(d));
  return "";
}

void TableRegistry::DropOwner(PluginHost* owner) {
  for (auto& t : tables_) {
    if (t->owner == owner) t->gone = true;
  }
}

void TableRegistry::Enter() {
  depth_++;
  marks_.emplace_back(slots_.Mark(), subtables_.Mark());
}

void TableRegistry::Leave() {
  auto [slots, subtables] = marks_.back();
  marks_.pop_back();
  slots_.Unwind(slots);
  subtables_.Unwind(subtables);
  if (--depth_ == 0) strings_.clear();
}

std::string TableRegistry::CheckJs() const {
  if (std::this_thread::get_id() != js_thread_) {
    return "table 'threads' can only be read on the thread scap-ts called the plugin on, not from the plugin's own threads";
  }
  if (depth_ == 0) return "table 'threads' can only be read from within plugin_init, plugin_parse_event and plugin_extract_fields";
  return "";
}

EntrySlot* TableRegistry::Acquire(const TableDef* t, napi_value obj) {
  EntrySlot* s = slots_.Take();
  s->table = t;
  s->obj = obj;
  return s;
}

TableAccessor* TableRegistry::Subtable(TableClient* c, TableDef* kind, napi_value thread, napi_value rows) {
  TableAccessor* a = subtables_.Take();
  a->client = c;
  a->def = kind;
  a->thread = thread;
  a->rows = rows;
  return a;
}

const char* TableRegistry::Keep(std::string s) { return strings_.emplace_back(std::move(s)).c_str(); }

napi_value TableRegistry::Bridge(const char* fn) {
  Napi::Object b = bridge_.Value();
  napi_value f = nullptr;
  if (b.IsEmpty() || napi_get_named_property(env_, b, fn, &f) != napi_ok) return nullptr;
  return f;
}

void TableClient::Drop() {
  accessors.clear();
  if (registry) registry->DropOwner(host);
}

// ---- JS handle ----------------------------------------------------------------------

void PluginTables::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = DefineClass(env, "PluginTables",
                                   {
                                       InstanceMethod("list", &PluginTables::List),
                                       InstanceMethod("fields", &PluginTables::Fields),
                                   });
  exports.Set("PluginTables", cls);
}

PluginTables::PluginTables(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PluginTables>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "PluginTables(bridge: object)");
  registry_ = std::make_shared<TableRegistry>(env, info[0].As<Napi::Object>());
  napi_type_tag_object(env, info.This(), &kTablesTag);
}

std::shared_ptr<TableRegistry> PluginTables::From(Napi::Value v) {
  bool ok = false;
  if (!v.IsObject() || napi_check_object_type_tag(v.Env(), v, &kTablesTag, &ok) != napi_ok || !ok) return nullptr;
  return Unwrap(v.As<Napi::Object>())->registry_;
}

// list() -> [{ name, keyType, owner }]
Napi::Value PluginTables::List(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<TableDef*> live = registry_->Live();
  Napi::Array out = Napi::Array::New(env, live.size());
  for (size_t i = 0; i < live.size(); i++) {
    Napi::Object t = Napi::Object::New(env);
    t.Set("name", live[i]->name);
    t.Set("keyType", live[i]->key_type);
    t.Set("owner", live[i]->owner_name);
    out.Set(static_cast<uint32_t>(i), t);
  }
  return out;
}

// fields(name) -> [{ name, type, readOnly }], or null for an unknown table.
Napi::Value PluginTables::Fields(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TableDef* d = registry_->Find(info[0].As<Napi::String>().Utf8Value());
  if (d == nullptr) return env.Null();
  const TableFieldInfo* list = nullptr;
  uint32_t n = 0;
  std::vector<TableFieldInfo> own;
  if (d->owner) {
    list = d->fields_vt.list_table_fields(d->table, &n);
    if (list == nullptr) n = 0;
  } else {
    for (const TableField& f : d->fields) own.push_back({f.name.c_str(), f.type, f.read_only ? 1u : 0u});
    list = own.data();
    n = static_cast<uint32_t>(own.size());
  }
  Napi::Array out = Napi::Array::New(env, n);
  for (uint32_t i = 0; i < n; i++) {
    Napi::Object f = Napi::Object::New(env);
    f.Set("name", list[i].name ? list[i].name : "");
    f.Set("type", list[i].field_type);
    f.Set("readOnly", list[i].read_only != 0);
    out.Set(i, f);
  }
  return out;
}

}  // namespace scap_ts
