// SPDX-License-Identifier: MIT
#include "napi_options.h"

#include <cmath>

namespace scap_ts {

[[noreturn]] void ThrowRange(Napi::Env env, const std::string& message) {
  Napi::RangeError err = Napi::RangeError::New(env, message);
  err.Set("code", Napi::String::New(env, "ERR_OUT_OF_RANGE"));
  throw err;
}

[[noreturn]] void ThrowType(Napi::Env env, const std::string& message) {
  Napi::TypeError err = Napi::TypeError::New(env, message);
  err.Set("code", Napi::String::New(env, "ERR_INVALID_ARG_TYPE"));
  throw err;
}

double IntOption(Napi::Env env, const Napi::Object& o, const char* key, double def, double lo, double hi) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return def;
  if (!v.IsNumber()) ThrowType(env, std::string("options.") + key + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d || d < lo || d > hi) {
    ThrowRange(env, std::string("options.") + key + " must be an integer in [" +
                        std::to_string(static_cast<uint64_t>(lo)) + ", " +
                        std::to_string(static_cast<uint64_t>(hi)) + "]");
  }
  return d;
}

bool BoolOption(Napi::Env env, const Napi::Object& o, const char* key, bool def) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return def;
  if (!v.IsBoolean()) ThrowType(env, std::string("options.") + key + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

std::vector<uint32_t> IntArrayOption(Napi::Env env, const Napi::Object& o, const char* key, double lo,
                                     double hi) {
  Napi::Value v = o.Get(key);
  if (!v.IsArray()) ThrowType(env, std::string("options.") + key + " must be an array of integers");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<uint32_t> out;
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value e = a.Get(i);
    const double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : NAN;
    if (!std::isfinite(d) || std::floor(d) != d || d < lo || d > hi) {
      ThrowRange(env, std::string("options.") + key + "[" + std::to_string(i) +
                          "] must be an integer in [" + std::to_string(static_cast<uint64_t>(lo)) +
                          ", " + std::to_string(static_cast<uint64_t>(hi)) + "]");
    }
    out.push_back(static_cast<uint32_t>(d));
  }
  return out;
}

std::vector<std::string> StringArrayOption(Napi::Env env, const Napi::Object& o, const char* k) {
  Napi::Value v = o.Get(k);
  std::vector<std::string> out;
  if (v.IsUndefined()) return out;
  if (!v.IsArray()) ThrowType(env, std::string("options.") + k + " must be an array of strings");
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value e = a.Get(i);
    if (!e.IsString()) ThrowType(env, std::string("options.") + k + " must be an array of strings");
    std::string s = e.As<Napi::String>().Utf8Value();
    if (s.find('\0') != std::string::npos) ThrowType(env, std::string("options.") + k + " must not contain NUL");
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace scap_ts
