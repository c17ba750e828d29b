// SPDX-License-Identifier: Apache-2.0
#include "util/strings.h"

#include <fmt/format.h>

#include <cmath>
#include <ctime>

namespace strata {

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.emplace_back(s.substr(start));
      return out;
    }
    out.emplace_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::string human_size(uint64_t bytes) {
  // Docker's units.HumanSize: decimal units, 4 significant digits, trailing zeros dropped.
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  double v = static_cast<double>(bytes);
  int i = 0;
  while (v >= 1000.0 && i < 5) {
    v /= 1000.0;
    ++i;
  }
  std::string num = fmt::format("{:.4g}", v);
  return num + kUnits[i];
}

std::string human_duration_ago(int64_t then_unix, int64_t now_unix) {
  int64_t s = now_unix - then_unix;
  if (s < 1) return "Less than a second ago";
  auto plural = [](int64_t n, const char* unit) {
    return fmt::format("{} {}{} ago", n, unit, n == 1 ? "" : "s");
  };
  if (s < 60) return plural(s, "second");
  if (s < 3600) return s / 60 == 1 ? "About a minute ago" : plural(s / 60, "minute");
  if (s < 48 * 3600) return s / 3600 == 1 ? "About an hour ago" : plural(s / 3600, "hour");
  if (s < 14 * 86400) return plural(s / 86400, "day");
  if (s < 60 * 86400) return plural(s / (7 * 86400), "week");
  if (s < 2 * 365 * 86400) return plural(s / (30 * 86400), "month");
  return plural(s / (365 * 86400), "year");
}

std::string format_rfc3339(int64_t unix_seconds, int64_t nanos) {
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm;
  gmtime_r(&t, &tm);
  std::string base = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900,
                                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (nanos != 0) base += fmt::format(".{:09}", nanos);
  return base + "Z";
}

bool parse_rfc3339(std::string_view text, int64_t* unix_seconds) {
  int y, mo, d, h, mi, s;
  char tsep;
  std::string str(text);
  int consumed = 0;
  if (std::sscanf(str.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d%n", &y, &mo, &d, &tsep, &h, &mi, &s,
                  &consumed) != 7)
    return false;
  if (tsep != 'T' && tsep != 't' && tsep != ' ') return false;
  std::string_view rest = text.substr(consumed);
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') rest.remove_prefix(1);
  }
  int64_t offset = 0;
  if (rest == "Z" || rest == "z") {
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int oh = (rest[1] - '0') * 10 + (rest[2] - '0');
    int om = (rest[4] - '0') * 10 + (rest[5] - '0');
    offset = (oh * 3600 + om * 60) * (rest[0] == '+' ? 1 : -1);
  } else {
    return false;
  }
  struct tm tm = {};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  *unix_seconds = static_cast<int64_t>(timegm(&tm)) - offset;
  return true;
}

}  // namespace strata
