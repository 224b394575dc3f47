// Falco plugin host: one loaded plugin shared library (dlopen) and the state
// plugin_init returned. The JS side (lib/plugins) enforces the loader's
// rules (required exports, API version, capabilities, field names); this
// class only resolves symbols, calls them and copies what they return
// (set_config's rc and get_metrics' array included; dump_state's events,
// collected through a handler called inside the call).
#pragma once

#include <napi.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "plugin_api_min.h"
#include "plugin_tables.h"

namespace scap_ts {

class PluginHost : public Napi::ObjectWrap<PluginHost> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  explicit PluginHost(const Napi::CallbackInfo& info);
  ~PluginHost() override;

  // Used by the C callbacks handed to the plugin.
  std::string owner_error;
  Napi::ThreadSafeFunction async_tsfn;
  bool async_active = false;
  TableClient tables;
  std::string LastError();

 private:
  void* Sym(const char* name) const;
  [[noreturn]] void ThrowPlugin(Napi::Env env, const std::string& what);
  void RequireState(Napi::Env env);

  Napi::Value Symbols(const Napi::CallbackInfo& info);
  Napi::Value Str(const Napi::CallbackInfo& info);
  Napi::Value Id(const Napi::CallbackInfo& info);
  Napi::Value InitSchema(const Napi::CallbackInfo& info);
  Napi::Value InitPlugin(const Napi::CallbackInfo& info);
  Napi::Value LastErrorJs(const Napi::CallbackInfo& info);
  Napi::Value EventTypes(const Napi::CallbackInfo& info);
  Napi::Value Open(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value ListOpenParams(const Napi::CallbackInfo& info);
  Napi::Value Progress(const Napi::CallbackInfo& info);
  Napi::Value NextBatch(const Napi::CallbackInfo& info);
  Napi::Value EventToString(const Napi::CallbackInfo& info);
  Napi::Value PrepareFields(const Napi::CallbackInfo& info);
  Napi::Value Extract(const Napi::CallbackInfo& info);
  Napi::Value Parse(const Napi::CallbackInfo& info);
  Napi::Value SetAsyncHandler(const Napi::CallbackInfo& info);
  Napi::Value CaptureListen(const Napi::CallbackInfo& info);
  Napi::Value SetConfig(const Napi::CallbackInfo& info);
  Napi::Value Metrics(const Napi::CallbackInfo& info);
  Napi::Value DumpState(const Napi::CallbackInfo& info);
  Napi::Value Destroy(const Napi::CallbackInfo& info);

  void DestroyState();
  const PluginEventHdr* EventArg(const Napi::CallbackInfo& info, size_t i);

  struct FieldSet {
    std::vector<std::string> names;
    std::vector<std::string> args;
    std::vector<PluginExtractField> fields;
  };

  std::string path_;
  void* lib_ = nullptr;
  // Resolved once: the per-event calls must not dlsym.
  void* fn_last_error_ = nullptr;
  void* fn_extract_ = nullptr;
  void* fn_parse_ = nullptr;
  void* fn_next_batch_ = nullptr;
  void* fn_to_string_ = nullptr;
  void* state_ = nullptr;
  uint32_t plugin_id_ = 0;
  std::map<uint32_t, void*> instances_;
  uint32_t next_instance_ = 1;
  std::vector<std::unique_ptr<FieldSet>> field_sets_;
};

}  // namespace scap_ts
