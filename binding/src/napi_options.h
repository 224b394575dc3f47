// Reading the options object a capture's constructor gets, with Node's
// error shapes: TypeError ERR_INVALID_ARG_TYPE for a wrong type, RangeError
// ERR_OUT_OF_RANGE for a value out of bounds (both name the option).
//
// SPDX-License-Identifier: MIT
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace scap_ts {

[[noreturn]] void ThrowType(Napi::Env env, const std::string& message);
[[noreturn]] void ThrowRange(Napi::Env env, const std::string& message);

// options.<key> as an integer in [lo, hi]; `def` when absent.
double IntOption(Napi::Env env, const Napi::Object& o, const char* key, double def, double lo, double hi);
bool BoolOption(Napi::Env env, const Napi::Object& o, const char* key, bool def);
// options.<key>: an array of integers in [lo, hi] (required).
std::vector<uint32_t> IntArrayOption(Napi::Env env, const Napi::Object& o, const char* key, double lo, double hi);
// options.<key>: an array of strings without NUL; empty when absent.
std::vector<std::string> StringArrayOption(Napi::Env env, const Napi::Object& o, const char* key);

}  // namespace scap_ts
