// SPDX-License-Identifier: Apache-2.0
#include "util/log.h"

#include <atomic>
#include <cstdio>

namespace strata::log {
namespace {
std::atomic<Level> g_level{Level::kWarn};
}

void set_level(Level l) { g_level = l; }
Level level() { return g_level; }

bool parse_level(std::string_view text, Level* out) {
  static constexpr std::pair<std::string_view, Level> kNames[] = {{"debug", Level::kDebug},
                                                                  {"info", Level::kInfo},
                                                                  {"warn", Level::kWarn},
                                                                  {"warning", Level::kWarn},
                                                                  {"error", Level::kError}};
  for (const auto& [name, l] : kNames) {
    if (text == name) {
      *out = l;
      return true;
    }
  }
  return false;
}

void write(Level l, std::string_view msg) {
  static constexpr const char* kTags[] = {"debug", "info", "warn", "error"};
  std::fprintf(stderr, "strata[%s]: %.*s\n", kTags[static_cast<int>(l)],
               static_cast<int>(msg.size()), msg.data());
}

}  // namespace strata::log
