// SPDX-License-Identifier: Apache-2.0
// One process-wide log sink; cli/ sets the level. Libraries log decisions at debug and
// swallowed errors at warn, never an error they return.
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace strata::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

void set_level(Level level);
Level level();
// Parses "debug", "info", "warn", "error"; returns false on anything else.
bool parse_level(std::string_view text, Level* out);
void write(Level level, std::string_view msg);

template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::kDebug) write(Level::kDebug, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::kInfo) write(Level::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::kWarn) write(Level::kWarn, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace strata::log
