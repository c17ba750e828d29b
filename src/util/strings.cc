// SPDX-License-Identifier: Apache-2.0
#include "util/strings.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <ctime>

namespace strata {

std::vector<std::string> split_fields(std::string_view s, size_t max_fields) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (out.size() < max_fields) {
    pos = s.find_first_not_of(" \t", pos);
    if (pos == std::string_view::npos) break;
    size_t end =
        out.size() + 1 == max_fields ? s.find_last_not_of(" \t") + 1 : s.find_first_of(" \t", pos);
    if (end == std::string_view::npos) end = s.size();
    out.emplace_back(s.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

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

namespace {

// The length of the valid UTF-8 sequence at s[i] (1 to 4), or 0 if it is not one.
size_t utf8_length(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3f);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;  // overlong
  if (cp >= 0x80 && cp <= 0x9f) return 0;  // C1 controls (0x9b is CSI on some terminals)
  return n;
}

}  // namespace

std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = utf8_length(s, i);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (n == 0 || c < 0x20 || c == 0x7f) {
      // Not UTF-8 or a control character: one byte, in hex.
      out += fmt::format("\\x{:02x}", c);
      n = 1;
    } else {
      out.append(s.substr(i, n));
    }
    i += n == 0 ? 1 : n;
  }
  return out;
}

std::string human_size(uint64_t bytes, int precision) {
  // Docker's units.HumanSizeWithPrecision: decimal units, trailing zeros dropped.
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  double v = static_cast<double>(bytes);
  int i = 0;
  while (v >= 1000.0 && i < 5) {
    v /= 1000.0;
    ++i;
  }
  std::string num = fmt::format("{:.{}g}", v, precision);
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

int64_t realtime_ns() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
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

bool parse_size(std::string_view text, uint64_t* bytes) {
  size_t i = 0;
  uint64_t whole = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    auto digit = static_cast<uint64_t>(text[i] - '0');
    if (whole > (UINT64_MAX - digit) / 10) return false;
    whole = whole * 10 + digit;
  }
  if (i == 0) return false;
  uint64_t frac = 0, frac_scale = 1;  // the fraction as frac / frac_scale
  if (i < text.size() && text[i] == '.') {
    size_t start = ++i;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      if (frac_scale >= 1000000000000ULL) continue;  // digits past 10^-12 do not count
      frac = frac * 10 + static_cast<uint64_t>(text[i] - '0');
      frac_scale *= 10;
    }
    if (i == start) return false;
  }
  static constexpr std::string_view kUnits = "bkmgtp";
  int shift = 0;
  if (i < text.size()) {
    size_t u = kUnits.find(static_cast<char>(text[i] | 0x20));
    if (u == std::string_view::npos) return false;
    shift = static_cast<int>(u) * 10;
    ++i;
    std::string_view rest = text.substr(i);
    bool tail_ok = rest.empty() || (u != 0 && (rest == "b" || rest == "B" || rest == "ib" ||
                                               rest == "iB" || rest == "Ib" || rest == "IB"));
    if (!tail_ok) return false;
  }
  if (shift > 0 && whole > (UINT64_MAX >> shift)) return false;
  uint64_t total = whole << shift;
  // The fraction of one unit, rounded down: frac_scale <= 10^12 and a unit <= 2^50.
  unsigned __int128 part =
      static_cast<unsigned __int128>(frac) * (uint64_t{1} << shift) / frac_scale;
  if (total > UINT64_MAX - static_cast<uint64_t>(part)) return false;
  *bytes = total + static_cast<uint64_t>(part);
  return true;
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
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 ||
      s > 60)
    return false;
  std::string_view rest = text.substr(consumed);
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') rest.remove_prefix(1);
  }
  int64_t offset = 0;
  if (rest == "Z" || rest == "z") {
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' &&
             std::isdigit(static_cast<unsigned char>(rest[1])) &&
             std::isdigit(static_cast<unsigned char>(rest[2])) &&
             std::isdigit(static_cast<unsigned char>(rest[4])) &&
             std::isdigit(static_cast<unsigned char>(rest[5]))) {
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
