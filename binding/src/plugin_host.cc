// Falco plugin host (see plugin_host.h). Plugins run in this process and are
// trusted, as in Falco: a plugin that crashes takes Node down with it.

#include "plugin_host.h"

#include <arpa/inet.h>
#include <dlfcn.h>

#include <chrono>
#include <cstdio>
#include <cstring>

namespace scap_ts {
namespace {

constexpr const char* kPluginErrorCode = "ERR_PLUGIN";
constexpr uint16_t kPluginEventType = 322;  // PPME_PLUGINEVENT_E
constexpr uint16_t kAsyncEventType = 402;   // PPME_ASYNCEVENT_E
constexpr uint32_t kHeader = sizeof(PluginEventHdr);

// Every symbol of the API 3.x vtable, as exported (`plugin_` + member).
const char* const kSymbols[] = {
    "get_required_api_version", "get_init_schema", "init", "destroy", "get_last_error",
    "get_name", "get_description", "get_contact", "get_version",
    "get_id", "get_event_source", "open", "close", "list_open_params", "get_progress",
    "event_to_string", "next_batch",
    "get_extract_event_types", "get_extract_event_sources", "get_fields", "extract_fields",
    "get_parse_event_types", "get_parse_event_sources", "parse_event",
    "get_async_event_sources", "get_async_events", "set_async_event_handler", "dump_state",
    "set_config", "get_metrics", "capture_open", "capture_close",
    "get_required_event_schema_version",
};

using StrFn = const char* (*)();
using IdFn = uint32_t (*)();
using SchemaFn = const char* (*)(int32_t*);
using InitFn = void* (*)(const PluginInitInput*, ss_plugin_rc*);
using DestroyFn = void (*)(void*);
using LastErrFn = const char* (*)(void*);
using OpenFn = void* (*)(void*, const char*, ss_plugin_rc*);
using CloseFn = void (*)(void*, void*);
using ListParamsFn = const char* (*)(void*, ss_plugin_rc*);
using ProgressFn = const char* (*)(void*, void*, uint32_t*);
using ToStringFn = const char* (*)(void*, const PluginEventInput*);
using NextBatchFn = ss_plugin_rc (*)(void*, void*, uint32_t*, PluginEventHdr***);
using TypesFn = uint16_t* (*)(uint32_t*, void*);
using ExtractFn = ss_plugin_rc (*)(void*, const PluginEventInput*, const PluginFieldExtractInput*);
using ParseFn = ss_plugin_rc (*)(void*, const PluginEventInput*, const PluginEventParseInput*);
using SetAsyncFn = ss_plugin_rc (*)(void*, void*, AsyncHandlerFn);
using CaptureListenFn = ss_plugin_rc (*)(void*, const PluginCaptureListenInput*);
using SetConfigFn = ss_plugin_rc (*)(void*, const PluginSetConfigInput*);
using MetricsFn = PluginMetric* (*)(void*, uint32_t*);
using DumpStateFn = ss_plugin_rc (*)(void*, void*, AsyncHandlerFn);

const char* OwnerLastError(void* owner) {
  auto* self = static_cast<PluginHost*>(owner);
  return self ? self->owner_error.c_str() : "";
}

void PluginLog(void* /*owner*/, const char* component, const char* msg, int sev) {
  // Fatal..warning go to stderr; notice and below are quiet unless asked for.
  static const bool verbose = std::getenv("SCAP_TS_PLUGIN_LOG") != nullptr;
  if (sev <= 4 || verbose) {
    std::fprintf(stderr, "scap-ts plugin [%s] %s\n", component ? component : "?", msg ? msg : "");
  }
}

// Checks an event's own lengths: header, nparams lengths, payload.
std::string CheckEvent(const PluginEventHdr* e, uint32_t avail) {
  if (e == nullptr) return "NULL event pointer";
  if (e->len < kHeader) return "event length " + std::to_string(e->len) + " is below the 26-byte header";
  if (e->len > avail) return "event length " + std::to_string(e->len) + " exceeds the buffer";
  const bool large = e->type == kPluginEventType || e->type == kAsyncEventType;
  const uint32_t lsz = large ? 4 : 2;
  if (e->nparams > (e->len - kHeader) / lsz) return "event nparams " + std::to_string(e->nparams) + " does not fit its length";
  const auto* p = reinterpret_cast<const uint8_t*>(e) + kHeader;
  uint64_t total = kHeader + uint64_t(lsz) * e->nparams;
  for (uint32_t i = 0; i < e->nparams; i++) {
    uint32_t l = 0;
    if (large) std::memcpy(&l, p + 4 * i, 4);
    else {
      uint16_t s;
      std::memcpy(&s, p + 2 * i, 2);
      l = s;
    }
    total += l;
  }
  if (total != e->len) {
    return "event of type " + std::to_string(e->type) + ": header, parameter lengths and payload add up to " +
           std::to_string(total) + " bytes, not its length " + std::to_string(e->len);
  }
  return "";
}

uint64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ss_plugin_rc AsyncHandler(void* owner, const PluginEventHdr* evt, char* err) {
  auto* self = static_cast<PluginHost*>(owner);
  auto fail = [&](const std::string& m) {
    if (err) std::snprintf(err, kPluginMaxErrlen, "%s", m.c_str());
    return kRcFailure;
  };
  if (self == nullptr || !self->async_active) return fail("async events are not accepted now");
  std::string bad = CheckEvent(evt, evt ? evt->len : 0);
  if (!bad.empty()) return fail(bad);
  auto* copy = new std::vector<uint8_t>(reinterpret_cast<const uint8_t*>(evt),
                                        reinterpret_cast<const uint8_t*>(evt) + evt->len);
  napi_status st = self->async_tsfn.NonBlockingCall(
      copy, [](Napi::Env env, Napi::Function cb, std::vector<uint8_t>* data) {
        if (env != nullptr && cb != nullptr) {
          auto arr = Napi::Uint8Array::New(env, data->size());
          std::memcpy(arr.Data(), data->data(), data->size());
          cb.Call({arr});
        }
        delete data;
      });
  if (st != napi_ok) {
    delete copy;
    return fail("the async event queue is closed");
  }
  return kRcSuccess;
}

// plugin_dump_state's handler: called synchronously, inside the call, with
// the owner we passed (the list being filled); each event is checked and copied.
struct DumpCollector {
  std::vector<std::vector<uint8_t>> events;
};

ss_plugin_rc DumpHandler(void* owner, const PluginEventHdr* evt, char* err) {
  auto* out = static_cast<DumpCollector*>(owner);
  std::string bad = out == nullptr ? "no state dump is in progress" : CheckEvent(evt, evt ? evt->len : 0);
  if (!bad.empty()) {
    if (err) std::snprintf(err, kPluginMaxErrlen, "%s", bad.c_str());
    return kRcFailure;
  }
  out->events.emplace_back(reinterpret_cast<const uint8_t*>(evt), reinterpret_cast<const uint8_t*>(evt) + evt->len);
  return kRcSuccess;
}

Napi::Value NullableString(Napi::Env env, const char* s) {
  return s ? Napi::Value(Napi::String::New(env, s)) : env.Null();
}

Napi::Value U64(Napi::Env env, uint64_t v) {
  if (v <= (uint64_t(1) << 53)) return Napi::Number::New(env, static_cast<double>(v));
  return Napi::BigInt::New(env, v);
}

Napi::Value IpText(Napi::Env env, const PluginByteBuffer& b) {
  char out[INET6_ADDRSTRLEN] = {0};
  if (b.len == 4 && b.ptr) inet_ntop(AF_INET, b.ptr, out, sizeof out);
  else if (b.len == 16 && b.ptr) inet_ntop(AF_INET6, b.ptr, out, sizeof out);
  else return env.Undefined();
  return Napi::String::New(env, out);
}

// There is no thread pool for plugin routines: subscribing is refused (the
// API's way to say so is a NULL handle), with a reason for the plugin.
void* RefuseSubscribe(void* owner, RoutineFn, void*) {
  if (owner != nullptr) static_cast<PluginHost*>(owner)->owner_error = "routines are not supported by this framework";
  return nullptr;
}
ss_plugin_rc RefuseUnsubscribe(void* owner, void*) {
  if (owner != nullptr) static_cast<PluginHost*>(owner)->owner_error = "routines are not supported by this framework";
  return kRcFailure;
}
RoutineVtable kRoutines{RefuseSubscribe, RefuseUnsubscribe};

}  // namespace

void PluginHost::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = DefineClass(
      env, "PluginHost",
      {
          InstanceMethod("symbols", &PluginHost::Symbols),
          InstanceMethod("str", &PluginHost::Str),
          InstanceMethod("id", &PluginHost::Id),
          InstanceMethod("initSchema", &PluginHost::InitSchema),
          InstanceMethod("init", &PluginHost::InitPlugin),
          InstanceMethod("lastError", &PluginHost::LastErrorJs),
          InstanceMethod("eventTypes", &PluginHost::EventTypes),
          InstanceMethod("open", &PluginHost::Open),
          InstanceMethod("close", &PluginHost::Close),
          InstanceMethod("listOpenParams", &PluginHost::ListOpenParams),
          InstanceMethod("progress", &PluginHost::Progress),
          InstanceMethod("nextBatch", &PluginHost::NextBatch),
          InstanceMethod("eventToString", &PluginHost::EventToString),
          InstanceMethod("prepareFields", &PluginHost::PrepareFields),
          InstanceMethod("extract", &PluginHost::Extract),
          InstanceMethod("parse", &PluginHost::Parse),
          InstanceMethod("setAsyncHandler", &PluginHost::SetAsyncHandler),
          InstanceMethod("captureListen", &PluginHost::CaptureListen),
          InstanceMethod("setConfig", &PluginHost::SetConfig),
          InstanceMethod("metrics", &PluginHost::Metrics),
          InstanceMethod("dumpState", &PluginHost::DumpState),
          InstanceMethod("destroy", &PluginHost::Destroy),
      });
  exports.Set("PluginHost", cls);
}

PluginHost::PluginHost(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PluginHost>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "PluginHost(path: string)");
  path_ = info[0].As<Napi::String>().Utf8Value();
  dlerror();
  lib_ = dlopen(path_.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib_ == nullptr) {
    const char* e = dlerror();
    Napi::Error err = Napi::Error::New(env, std::string("cannot load plugin library ") + path_ + ": " + (e ? e : "dlopen failed"));
    err.Set("code", Napi::String::New(env, "ERR_PLUGIN_DLOPEN"));
    throw err;
  }
  fn_last_error_ = Sym("get_last_error");
  fn_extract_ = Sym("extract_fields");
  fn_parse_ = Sym("parse_event");
  fn_next_batch_ = Sym("next_batch");
  fn_to_string_ = Sym("event_to_string");
  tables.host = this;
  tables.error = &owner_error;
}

PluginHost::~PluginHost() {
  // A plugin still holding an async handler is stopped first; the library
  // itself stays mapped (its code may be referenced by threads it started).
  DestroyState();
}

void* PluginHost::Sym(const char* name) const {
  if (lib_ == nullptr) return nullptr;
  std::string full = std::string("plugin_") + name;
  return dlsym(lib_, full.c_str());
}

std::string PluginHost::LastError() {
  auto fn = reinterpret_cast<LastErrFn>(fn_last_error_);
  if (fn == nullptr || state_ == nullptr) return "";
  const char* s = fn(state_);
  return s ? s : "";
}

void PluginHost::ThrowPlugin(Napi::Env env, const std::string& what) {
  std::string last = LastError();
  Napi::Error err = Napi::Error::New(env, last.empty() ? what : what + ": " + last);
  err.Set("code", Napi::String::New(env, kPluginErrorCode));
  err.Set("pluginError", Napi::String::New(env, last));
  throw err;
}

void PluginHost::RequireState(Napi::Env env) {
  if (state_ == nullptr) {
    Napi::Error err = Napi::Error::New(env, "plugin is not initialized (or was destroyed)");
    err.Set("code", Napi::String::New(env, kPluginErrorCode));
    throw err;
  }
}

Napi::Value PluginHost::Symbols(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  uint32_t n = 0;
  for (const char* s : kSymbols) {
    if (Sym(s) != nullptr) out.Set(n++, Napi::String::New(env, s));
  }
  return out;
}

// Calls a no-argument `const char* plugin_<name>()`; null when absent or NULL.
Napi::Value PluginHost::Str(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  static const char* const allowed[] = {
      "get_required_api_version", "get_name", "get_description", "get_contact", "get_version",
      "get_event_source", "get_fields", "get_extract_event_sources", "get_parse_event_sources",
      "get_async_events", "get_async_event_sources"};
  bool ok = false;
  for (const char* a : allowed) ok = ok || name == a;
  if (!ok) throw Napi::TypeError::New(env, "not a string getter: " + name);
  auto fn = reinterpret_cast<StrFn>(Sym(name.c_str()));
  if (fn == nullptr) return env.Null();
  return NullableString(env, fn());
}

Napi::Value PluginHost::Id(const Napi::CallbackInfo& info) {
  auto fn = reinterpret_cast<IdFn>(Sym("get_id"));
  if (fn == nullptr) return info.Env().Null();
  plugin_id_ = fn();
  return Napi::Number::New(info.Env(), plugin_id_);
}

Napi::Value PluginHost::InitSchema(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto fn = reinterpret_cast<SchemaFn>(Sym("get_init_schema"));
  Napi::Object out = Napi::Object::New(env);
  int32_t type = 0;
  const char* s = fn ? fn(&type) : nullptr;
  out.Set("type", Napi::Number::New(env, type));
  out.Set("schema", NullableString(env, s));
  return out;
}

// init(config, tables: PluginTables, name)
Napi::Value PluginHost::InitPlugin(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (state_ != nullptr) throw Napi::Error::New(env, "plugin already initialized");
  std::string config = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  tables.registry = PluginTables::From(info[1]);
  if (!tables.registry) throw Napi::TypeError::New(env, "init: expected the plugin tables (PluginTables)");
  tables.name = info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : path_;
  // The layouts a plugin gives (add_table's input) depend on the API minor it was built for.
  auto ver = reinterpret_cast<StrFn>(Sym("get_required_api_version"));
  int major = 0, minor = 0;
  if (ver && ver() && std::sscanf(ver(), "%d.%d", &major, &minor) == 2) tables.api_minor = minor;
  auto init = reinterpret_cast<InitFn>(Sym("init"));
  if (init == nullptr) ThrowPlugin(env, "plugin does not export plugin_init");
  auto idfn = reinterpret_cast<IdFn>(Sym("get_id"));
  if (idfn) plugin_id_ = idfn();
  PluginInitInput in{};
  in.config = config.c_str();
  in.owner = this;
  in.get_owner_last_error = OwnerLastError;
  in.tables = &kTablesInput;
  in.log_fn = PluginLog;
  ss_plugin_rc rc = kRcFailure;
  void* s;
  {
    TableScope scope(tables.registry.get());
    s = init(&in, &rc);
  }
  state_ = s;
  if (rc != kRcSuccess) {
    std::string last = LastError();
    DestroyState();
    Napi::Error err = Napi::Error::New(env, "plugin_init failed (rc " + std::to_string(rc) + ")" + (last.empty() ? "" : ": " + last));
    err.Set("code", Napi::String::New(env, kPluginErrorCode));
    err.Set("pluginError", Napi::String::New(env, last));
    throw err;
  }
  if (s == nullptr) {
    Napi::Error err = Napi::Error::New(env, "plugin_init returned success but no state");
    err.Set("code", Napi::String::New(env, kPluginErrorCode));
    throw err;
  }
  return env.Undefined();
}

Napi::Value PluginHost::LastErrorJs(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), LastError());
}

Napi::Value PluginHost::EventTypes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string kind = info[0].As<Napi::String>().Utf8Value();
  auto fn = reinterpret_cast<TypesFn>(Sym(kind == "parse" ? "get_parse_event_types" : "get_extract_event_types"));
  if (fn == nullptr || state_ == nullptr) return env.Null();
  uint32_t n = 0;
  uint16_t* types = fn(&n, state_);
  if (types == nullptr) return env.Null();
  Napi::Array out = Napi::Array::New(env, n);
  for (uint32_t i = 0; i < n; i++) out.Set(i, Napi::Number::New(env, types[i]));
  return out;
}

Napi::Value PluginHost::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireState(env);
  std::string params = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  auto fn = reinterpret_cast<OpenFn>(Sym("open"));
  if (fn == nullptr) ThrowPlugin(env, "plugin has no event sourcing capability");
  ss_plugin_rc rc = kRcFailure;
  void* h = fn(state_, params.c_str(), &rc);
  if (rc != kRcSuccess || h == nullptr) ThrowPlugin(env, "plugin_open failed (rc " + std::to_string(rc) + ")");
  uint32_t id = next_instance_++;
  instances_[id] = h;
  return Napi::Number::New(env, id);
}

Napi::Value PluginHost::Close(const Napi::CallbackInfo& info) {
  uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  auto it = instances_.find(id);
  if (it == instances_.end() || state_ == nullptr) return info.Env().Undefined();
  auto fn = reinterpret_cast<CloseFn>(Sym("close"));
  if (fn) fn(state_, it->second);
  instances_.erase(it);
  return info.Env().Undefined();
}

Napi::Value PluginHost::ListOpenParams(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireState(env);
  auto fn = reinterpret_cast<ListParamsFn>(Sym("list_open_params"));
  if (fn == nullptr) return env.Null();
  ss_plugin_rc rc = kRcFailure;
  const char* s = fn(state_, &rc);
  if (rc != kRcSuccess) ThrowPlugin(env, "plugin_list_open_params failed (rc " + std::to_string(rc) + ")");
  return NullableString(env, s);
}

Napi::Value PluginHost::Progress(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto fn = reinterpret_cast<ProgressFn>(Sym("get_progress"));
  auto it = instances_.find(info[0].As<Napi::Number>().Uint32Value());
  if (fn == nullptr || state_ == nullptr || it == instances_.end()) return env.Null();
  uint32_t pct = 0;
  const char* s = fn(state_, it->second, &pct);
  Napi::Object out = Napi::Object::New(env);
  out.Set("pct", Napi::Number::New(env, pct > 10000 ? 10000 : pct));
  out.Set("text", NullableString(env, s));
  return out;
}

// next_batch: the events, copied into one buffer, with their offsets.
// Returns { rc, bytes, offsets, count }. Every event is checked against its
// own lengths; plugin events (322) get the plugin's id when they carry 0 and
// are refused when they carry another; ts (u64)-1 is stamped with the time now.
Napi::Value PluginHost::NextBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireState(env);
  auto fn = reinterpret_cast<NextBatchFn>(fn_next_batch_);
  auto it = instances_.find(info[0].As<Napi::Number>().Uint32Value());
  if (fn == nullptr) ThrowPlugin(env, "plugin has no event sourcing capability");
  if (it == instances_.end()) throw Napi::Error::New(env, "plugin instance is not open");
  uint32_t n = 0;
  PluginEventHdr** evts = nullptr;
  ss_plugin_rc rc = fn(state_, it->second, &n, &evts);
  Napi::Object out = Napi::Object::New(env);
  out.Set("rc", Napi::Number::New(env, rc));
  if (rc == kRcFailure || (rc != kRcSuccess && rc != kRcTimeout && rc != kRcEof)) {
    ThrowPlugin(env, "plugin_next_batch failed (rc " + std::to_string(rc) + ")");
  }
  if (rc == kRcTimeout || n == 0) n = 0;
  if (n > 0 && evts == nullptr) ThrowPlugin(env, "plugin_next_batch returned " + std::to_string(n) + " events and a NULL array");
  uint64_t total = 0;
  for (uint32_t i = 0; i < n; i++) {
    // UINT32_MAX: the plugin's own length is checked, not a buffer bound.
    std::string bad = CheckEvent(evts[i], UINT32_MAX);
    if (!bad.empty()) ThrowPlugin(env, "plugin_next_batch: malformed event " + std::to_string(i) + ": " + bad);
    const PluginEventHdr* e = evts[i];
    if (plugin_id_ != 0) {
      if (e->type != kPluginEventType) {
        ThrowPlugin(env, "plugin_next_batch: event " + std::to_string(i) + " has type " + std::to_string(e->type) +
                              "; a plugin with an id may only produce plugin events (322)");
      }
      if (e->nparams != 2) ThrowPlugin(env, "plugin_next_batch: plugin event " + std::to_string(i) + " has " + std::to_string(e->nparams) + " params, not 2");
      uint32_t plen = 0, pid = 0;
      std::memcpy(&plen, reinterpret_cast<const uint8_t*>(e) + kHeader, 4);
      if (plen != 4) ThrowPlugin(env, "plugin_next_batch: plugin event " + std::to_string(i) + " has a plugin_id of " + std::to_string(plen) + " bytes");
      std::memcpy(&pid, reinterpret_cast<const uint8_t*>(e) + kHeader + 8, 4);
      if (pid != 0 && pid != plugin_id_) {
        ThrowPlugin(env, "plugin_next_batch: event " + std::to_string(i) + " carries plugin id " + std::to_string(pid) +
                              ", not the plugin's own " + std::to_string(plugin_id_));
      }
    }
    total += e->len;
  }
  if (total > 0x7fffffffULL) ThrowPlugin(env, "plugin_next_batch: batch too large");
  auto bytes = Napi::Uint8Array::New(env, total);
  auto offsets = Napi::Uint32Array::New(env, n);
  uint8_t* dst = bytes.Data();
  uint64_t off = 0;
  const uint64_t now = NowNs();
  for (uint32_t i = 0; i < n; i++) {
    const PluginEventHdr* e = evts[i];
    std::memcpy(dst + off, e, e->len);
    auto* h = reinterpret_cast<PluginEventHdr*>(dst + off);
    if (h->ts == UINT64_MAX) h->ts = now;
    if (plugin_id_ != 0) {
      uint32_t pid = 0;
      std::memcpy(&pid, dst + off + kHeader + 8, 4);
      if (pid == 0) std::memcpy(dst + off + kHeader + 8, &plugin_id_, 4);
    }
    offsets[i] = static_cast<uint32_t>(off);
    off += e->len;
  }
  out.Set("bytes", bytes);
  out.Set("offsets", offsets);
  out.Set("count", Napi::Number::New(env, n));
  return out;
}

const PluginEventHdr* PluginHost::EventArg(const Napi::CallbackInfo& info, size_t i) {
  Napi::Env env = info.Env();
  if (!info[i].IsTypedArray()) throw Napi::TypeError::New(env, "expected event bytes (Uint8Array)");
  auto bytes = info[i].As<Napi::Uint8Array>();
  uint32_t off = info[i + 1].As<Napi::Number>().Uint32Value();
  if (uint64_t(off) + kHeader > bytes.ByteLength()) throw Napi::RangeError::New(env, "event offset out of range");
  auto* e = reinterpret_cast<const PluginEventHdr*>(bytes.Data() + off);
  if (uint64_t(off) + e->len > bytes.ByteLength() || e->len < kHeader) throw Napi::RangeError::New(env, "event length out of range");
  return e;
}

// eventToString(bytes, offset, evtnum, evtsrc)
Napi::Value PluginHost::EventToString(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireState(env);
  auto fn = reinterpret_cast<ToStringFn>(fn_to_string_);
  if (fn == nullptr) return env.Null();
  std::string src = info[3].As<Napi::String>().Utf8Value();
  PluginEventInput in{EventArg(info, 0), static_cast<uint64_t>(info[2].As<Napi::Number>().Int64Value()), src.c_str()};
  return NullableString(env, fn(state_, &in));
}

// prepareFields([{ id, name, arg?, index?, type, list }]) -> handle. The
// requests are built once; extract() then asks for all of them in one call.
Napi::Value PluginHost::PrepareFields(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto arr = info[0].As<Napi::Array>();
  auto set = std::make_unique<FieldSet>();
  const uint32_t n = arr.Length();
  set->names.reserve(n);
  set->args.reserve(n);
  set->fields.resize(n);
  for (uint32_t i = 0; i < n; i++) {
    Napi::Object r = arr.Get(i).As<Napi::Object>();
    set->names.push_back(r.Get("name").As<Napi::String>().Utf8Value());
    Napi::Value a = r.Get("arg");
    set->args.push_back(a.IsString() ? a.As<Napi::String>().Utf8Value() : "");
  }
  for (uint32_t i = 0; i < n; i++) {
    Napi::Object r = arr.Get(i).As<Napi::Object>();
    PluginExtractField& f = set->fields[i];
    std::memset(&f, 0, sizeof f);
    f.field_id = r.Get("id").As<Napi::Number>().Uint32Value();
    f.field = set->names[i].c_str();
    Napi::Value a = r.Get("arg");
    Napi::Value idx = r.Get("index");
    if (a.IsString()) {
      f.arg_key = set->args[i].c_str();
      f.arg_present = 1;
    }
    if (idx.IsNumber()) {
      f.arg_index = static_cast<uint64_t>(idx.As<Napi::Number>().Int64Value());
      f.arg_present = 1;
    }
    f.ftype = r.Get("type").As<Napi::Number>().Uint32Value();
    f.flist = r.Get("list").ToBoolean().Value() ? 1 : 0;
  }
  field_sets_.push_back(std::move(set));
  return Napi::Number::New(env, field_sets_.size() - 1);
}

// extract(handle, bytes, offset, evtnum, evtsrc) -> values, one per
// requested field: undefined (no value), a value, or an array for lists.
Napi::Value PluginHost::Extract(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireState(env);
  auto fn = reinterpret_cast<ExtractFn>(fn_extract_);
  if (fn == nullptr) ThrowPlugin(env, "plugin has no field extraction capability");
  uint32_t h = info[0].As<Napi::Number>().Uint32Value();
  if (h >= field_sets_.size()) throw Napi::RangeError::New(env, "unknown field set");
  FieldSet& set = *field_sets_[h];
  // The source name, read without a heap allocation in the common case: this
  // call runs once per event and field batch.
  char srcbuf[256];
  size_t srclen = 0;
  std::string srclong;
  const char* src = srcbuf;
  if (napi_get_value_string_utf8(env, info[4], srcbuf, sizeof srcbuf, &srclen) != napi_ok) throw Napi::TypeError::New(env, "expected a source name");
  if (srclen >= sizeof srcbuf - 1) {
    srclong = info[4].As<Napi::String>().Utf8Value();
    src = srclong.c_str();
  }
  PluginEventInput ev{EventArg(info, 1), static_cast<uint64_t>(info[3].As<Napi::Number>().Int64Value()), src};
  for (auto& f : set.fields) {
    f.res.str = nullptr;
    f.res_len = 0;
  }
  PluginFieldExtractInput in{};
  in.owner = this;
  in.get_owner_last_error = OwnerLastError;
  in.num_fields = static_cast<uint32_t>(set.fields.size());
  in.fields = set.fields.data();
  in.table_reader = kTableReader;
  in.table_reader_ext = &kTableReaderExt;
  // The scope covers reading the results too: a plugin may return a string
  // it read from the threads table as it got it.
  TableScope scope(tables.registry.get());
  ss_plugin_rc rc = fn(state_, &ev, &in);
  if (rc != kRcSuccess) ThrowPlugin(env, "plugin_extract_fields failed (rc " + std::to_string(rc) + ")");
  Napi::Array out = Napi::Array::New(env, set.fields.size());
  for (size_t i = 0; i < set.fields.size(); i++) {
    const PluginExtractField& f = set.fields[i];
    if (f.res_len == 0 || f.res.str == nullptr) {
      out.Set(i, env.Undefined());
      continue;
    }
    auto one = [&](uint64_t k) -> Napi::Value {
      switch (f.ftype) {
        case kFtString:
          if (f.res.str[k] == nullptr) ThrowPlugin(env, std::string("plugin_extract_fields returned a NULL string for ") + f.field);
          return Napi::String::New(env, f.res.str[k]);
        case kFtUint64:
        case kFtReltime:
        case kFtAbstime: return U64(env, f.res.u64[k]);
        case kFtBool: return Napi::Boolean::New(env, f.res.boolean[k] != 0);
        case kFtIpaddr:
        case kFtIpnet: return IpText(env, f.res.buf[k]);
        default: return env.Undefined();
      }
    };
    if (f.flist) {
      Napi::Array list = Napi::Array::New(env, f.res_len);
      for (uint64_t k = 0; k < f.res_len; k++) list.Set(static_cast<uint32_t>(k), one(k));
      out.Set(i, list);
    } else {
      out.Set(i, one(0));
    }
  }
  return out;
}

// parse(bytes, offset, evtnum, evtsrc)
Napi::Value PluginHost::Parse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireState(env);
  auto fn = reinterpret_cast<ParseFn>(fn_parse_);
  if (fn == nullptr) ThrowPlugin(env, "plugin has no event parsing capability");
  std::string src = info[3].As<Napi::String>().Utf8Value();
  PluginEventInput ev{EventArg(info, 0), static_cast<uint64_t>(info[2].As<Napi::Number>().Int64Value()), src.c_str()};
  PluginEventParseInput in{};
  in.owner = this;
  in.get_owner_last_error = OwnerLastError;
  in.table_reader = kTableReader;
  in.table_writer = kTableWriter;
  in.table_reader_ext = &kTableReaderExt;
  in.table_writer_ext = &kTableWriterExt;
  ss_plugin_rc rc;
  {
    TableScope scope(tables.registry.get());
    rc = fn(state_, &ev, &in);
  }
  if (rc != kRcSuccess) ThrowPlugin(env, "plugin_parse_event failed (rc " + std::to_string(rc) + ")");
  return env.Undefined();
}

// captureListen(open: boolean): plugin_capture_open or plugin_capture_close,
// with the same table access as parsing.
Napi::Value PluginHost::CaptureListen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireState(env);
  const bool open = info[0].ToBoolean().Value();
  const char* name = open ? "capture_open" : "capture_close";
  auto fn = reinterpret_cast<CaptureListenFn>(Sym(name));
  if (fn == nullptr) ThrowPlugin(env, "plugin has no capture listening capability");
  PluginCaptureListenInput in{};
  in.owner = this;
  in.routine = &kRoutines;
  in.table_reader_ext = &kTableReaderExt;
  in.table_writer_ext = &kTableWriterExt;
  in.get_owner_last_error = OwnerLastError;
  ss_plugin_rc rc;
  {
    TableScope scope(tables.registry.get());
    rc = fn(state_, &in);
  }
  if (rc != kRcSuccess) ThrowPlugin(env, std::string("plugin_") + name + " failed (rc " + std::to_string(rc) + ")");
  return env.Undefined();
}

// setConfig(config): plugin_set_config with the new config (validated by
// the JS side, as libsinsp validates it against the init schema).
Napi::Value PluginHost::SetConfig(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireState(env);
  auto fn = reinterpret_cast<SetConfigFn>(Sym("set_config"));
  if (fn == nullptr) ThrowPlugin(env, "plugin does not export plugin_set_config");
  std::string config = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  PluginSetConfigInput in{config.c_str()};
  ss_plugin_rc rc = fn(state_, &in);
  if (rc != kRcSuccess) ThrowPlugin(env, "plugin_set_config failed (rc " + std::to_string(rc) + ")");
  return env.Undefined();
}

// metrics() -> [{ name, type, valueType, value }], copied out of the array
// the plugin owns until its next call; 64-bit integers as BigInt. A plugin
// without plugin_get_metrics has none (null).
Napi::Value PluginHost::Metrics(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireState(env);
  auto fn = reinterpret_cast<MetricsFn>(Sym("get_metrics"));
  if (fn == nullptr) return env.Null();
  uint32_t n = 0;
  const PluginMetric* m = fn(state_, &n);
  if (n > 0 && m == nullptr) ThrowPlugin(env, "plugin_get_metrics returned " + std::to_string(n) + " metrics and a NULL array");
  Napi::Array out = Napi::Array::New(env, n);
  for (uint32_t i = 0; i < n; i++) {
    const PluginMetric& e = m[i];
    if (e.name == nullptr) ThrowPlugin(env, "plugin_get_metrics: metric " + std::to_string(i) + " has a NULL name");
    Napi::Value v;
    switch (e.value_type) {
      case kMetricU32: v = Napi::Number::New(env, e.value.u32); break;
      case kMetricS32: v = Napi::Number::New(env, e.value.s32); break;
      case kMetricU64: v = Napi::BigInt::New(env, e.value.u64); break;
      case kMetricS64: v = Napi::BigInt::New(env, e.value.s64); break;
      case kMetricD: v = Napi::Number::New(env, e.value.d); break;
      case kMetricF: v = Napi::Number::New(env, e.value.f); break;
      case kMetricI: v = Napi::Number::New(env, e.value.i); break;
      default:
        ThrowPlugin(env, std::string("plugin_get_metrics: metric ") + e.name + " has unknown value type " + std::to_string(e.value_type));
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", Napi::String::New(env, e.name));
    o.Set("type", Napi::Number::New(env, e.type));
    o.Set("valueType", Napi::Number::New(env, e.value_type));
    o.Set("value", v);
    out.Set(i, o);
  }
  return out;
}

// dumpState(): the events plugin_dump_state emits through its handler, in
// order (each a Uint8Array); null for a plugin without dump_state.
Napi::Value PluginHost::DumpState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireState(env);
  auto fn = reinterpret_cast<DumpStateFn>(Sym("dump_state"));
  if (fn == nullptr) return env.Null();
  DumpCollector out;
  ss_plugin_rc rc = fn(state_, &out, DumpHandler);
  if (rc != kRcSuccess) ThrowPlugin(env, "plugin_dump_state failed (rc " + std::to_string(rc) + ")");
  Napi::Array arr = Napi::Array::New(env, out.events.size());
  for (size_t i = 0; i < out.events.size(); i++) {
    auto b = Napi::Uint8Array::New(env, out.events[i].size());
    std::memcpy(b.Data(), out.events[i].data(), out.events[i].size());
    arr.Set(static_cast<uint32_t>(i), b);
  }
  return arr;
}

// setAsyncHandler(fn | null): fn(Uint8Array) receives each async event on
// the JS thread; null stops the plugin's async events.
Napi::Value PluginHost::SetAsyncHandler(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireState(env);
  auto fn = reinterpret_cast<SetAsyncFn>(Sym("set_async_event_handler"));
  if (fn == nullptr) ThrowPlugin(env, "plugin has no async events capability");
  if (info[0].IsFunction()) {
    if (async_active) throw Napi::Error::New(env, "async handler already set");
    async_tsfn = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "scap-ts plugin async", 0, 1);
    async_tsfn.Unref(env);
    async_active = true;
    ss_plugin_rc rc = fn(state_, this, AsyncHandler);
    if (rc != kRcSuccess) {
      async_active = false;
      async_tsfn.Release();
      ThrowPlugin(env, "plugin_set_async_event_handler failed (rc " + std::to_string(rc) + ")");
    }
  } else if (async_active) {
    ss_plugin_rc rc = fn(state_, this, nullptr);
    async_active = false;
    async_tsfn.Release();
    if (rc != kRcSuccess) ThrowPlugin(env, "plugin_set_async_event_handler(NULL) failed (rc " + std::to_string(rc) + ")");
  }
  return env.Undefined();
}

void PluginHost::DestroyState() {
  // Its tables go first: their pointers die with the plugin's state.
  tables.Drop();
  if (state_ == nullptr) return;
  if (async_active) {
    auto fn = reinterpret_cast<SetAsyncFn>(Sym("set_async_event_handler"));
    if (fn) fn(state_, this, nullptr);
    async_active = false;
    async_tsfn.Release();
  }
  auto close = reinterpret_cast<CloseFn>(Sym("close"));
  for (auto& [id, h] : instances_) {
    if (close) close(state_, h);
  }
  instances_.clear();
  auto destroy = reinterpret_cast<DestroyFn>(Sym("destroy"));
  if (destroy) destroy(state_);
  state_ = nullptr;
}

Napi::Value PluginHost::Destroy(const Napi::CallbackInfo& info) {
  DestroyState();
  return info.Env().Undefined();
}

}  // namespace scap_ts
