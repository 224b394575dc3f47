// scap-ts native addon entry point: module registration and the JS-facing
// wrappers. The actual work lives in one file per idea (probe_env.cc, ...).

#include <napi.h>

#include <exception>
#include <optional>
#include <string>

#include "bpf_capture.h"
#include "plugin_host.h"
#include "probe_env.h"
#include "ptrace_capture.h"

#ifndef SCAP_TS_VERSION
#error "SCAP_TS_VERSION must be defined by the build (see CMakeLists.txt)"
#endif

namespace scap_ts {
namespace {

// Error code set on every exception thrown by the addon itself.
constexpr const char* kNativeErrorCode = "ERR_SCAP_NATIVE";

Napi::Error MakeError(Napi::Env env, const std::string& message) {
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, kNativeErrorCode));
  return err;
}

// Runs `fn`, turning any C++ exception into a JS exception carrying `code`.
template <typename Fn>
Napi::Value Guard(Napi::Env env, Fn&& fn) {
  try {
    return fn();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw MakeError(env, e.what());
  } catch (...) {
    throw MakeError(env, "unknown native error");
  }
}

Napi::Value NullableNumber(Napi::Env env, const std::optional<uint64_t>& v) {
  if (!v) return env.Null();
  return Napi::Number::New(env, static_cast<double>(*v));
}

Napi::Value Version(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), SCAP_TS_VERSION);
}

Napi::Value KernelFeaturesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guard(env, [&]() -> Napi::Value {
    const KernelFeatures f = ProbeKernelFeatures();
    Napi::Object out = Napi::Object::New(env);
    out.Set("release", Napi::String::New(env, f.release));
    out.Set("btf", Napi::Boolean::New(env, f.btf));
    out.Set("capBpf", Napi::Boolean::New(env, f.cap_bpf));
    out.Set("capPerfmon", Napi::Boolean::New(env, f.cap_perfmon));
    out.Set("capSysAdmin", Napi::Boolean::New(env, f.cap_sys_admin));
    out.Set("tracefs", f.tracefs ? Napi::Value(Napi::String::New(env, *f.tracefs))
                                 : env.Null());
    out.Set("ringbufSupported", Napi::Boolean::New(env, f.ringbuf_supported));
    out.Set("libbpfVersion", Napi::String::New(env, f.libbpf_version));
    Napi::Object memlock = Napi::Object::New(env);
    memlock.Set("soft", NullableNumber(env, f.memlock.soft));
    memlock.Set("hard", NullableNumber(env, f.memlock.hard));
    out.Set("memlockLimit", memlock);
    return out;
  });
}

}  // namespace
}  // namespace scap_ts

// NODE_API_MODULE pastes the init function's name into an identifier, so it
// must be an unqualified name at global scope.
static Napi::Object InitScapTs(Napi::Env env, Napi::Object exports) {
  exports.Set("version", Napi::Function::New(env, scap_ts::Version, "version"));
  exports.Set("kernelFeatures", Napi::Function::New(env, scap_ts::KernelFeaturesJs,
                                                    "kernelFeatures"));
  scap_ts::BpfCapture::Init(env, exports);
  scap_ts::PluginHost::Init(env, exports);
  scap_ts::PluginTables::Init(env, exports);
  scap_ts::PtraceCapture::Init(env, exports);
  return exports;
}

NODE_API_MODULE(scap_ts, InitScapTs)
