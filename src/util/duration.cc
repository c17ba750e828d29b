// SPDX-License-Identifier: Apache-2.0
#include "util/duration.h"

#include <fmt/format.h>

#include "util/strings.h"

namespace strata {

namespace {

constexpr uint64_t kMaxMagnitude = uint64_t{1} << 63;  // |INT64_MIN|

// Go's strconv.Quote of what the user typed, as its errors show it.
std::string quoted(std::string_view s) { return "\"" + printable(s) + "\""; }

Error invalid(std::string_view why, std::string_view orig) {
  return Error::make(Errc::kInvalidArgument, fmt::format("time: {} {}", why, quoted(orig)));
}

uint64_t unit_ns(std::string_view u) {
  if (u == "ns") return 1;
  if (u == "us" || u == "\xc2\xb5s" || u == "\xce\xbcs") return 1000;  // µ: micro sign, mu
  if (u == "ms") return 1000000;
  if (u == "s") return 1000000000;
  if (u == "m") return 60 * uint64_t{1000000000};
  if (u == "h") return 3600 * uint64_t{1000000000};
  return 0;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// One "<number><unit>" off the front of s, in nanoseconds (at most 2^63).
Result<uint64_t> take_term(std::string_view& s, std::string_view orig) {
  if (!(s[0] == '.' || is_digit(s[0]))) {
    return invalid("invalid duration", orig);
  }
  uint64_t whole = 0;
  size_t i = 0;
  for (; i < s.size() && is_digit(s[i]); ++i) {
    if (whole > (kMaxMagnitude - 1) / 10) {
      return invalid("invalid duration", orig);
    }
    whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
  }
  bool pre = i > 0, post = false;
  uint64_t frac = 0;
  double scale = 1;
  if (i < s.size() && s[i] == '.') {
    size_t start = ++i;
    bool overflow = false;
    for (; i < s.size() && is_digit(s[i]); ++i) {
      if (overflow || frac > (kMaxMagnitude - 1) / 10) {
        overflow = true;  // digits past what fits do not count, as in Go
        continue;
      }
      frac = frac * 10 + static_cast<uint64_t>(s[i] - '0');
      scale *= 10;
    }
    post = i > start;
  }
  if (!pre && !post) {
    return invalid("invalid duration", orig);
  }
  size_t u = i;
  while (u < s.size() && s[u] != '.' && !is_digit(s[u])) ++u;
  if (u == i) {
    return invalid("missing unit in duration", orig);
  }
  std::string_view unit = s.substr(i, u - i);
  uint64_t mult = unit_ns(unit);
  if (mult == 0) {
    return Error::make(Errc::kInvalidArgument, fmt::format("time: unknown unit {} in duration {}",
                                                           quoted(unit), quoted(orig)));
  }
  if (whole > kMaxMagnitude / mult) {
    return invalid("invalid duration", orig);
  }
  uint64_t v = whole * mult;
  if (frac > 0) v += static_cast<uint64_t>(static_cast<double>(frac) * (mult / scale));
  if (v > kMaxMagnitude) return invalid("invalid duration", orig);
  s.remove_prefix(u);
  return v;
}

// The digits of v / 10^prec's fraction, trailing zeros dropped ("" for none).
std::string fraction(uint64_t v, int prec) {
  std::string digits;
  bool any = false;
  for (int i = 0; i < prec; ++i) {
    char d = static_cast<char>('0' + v % 10);
    v /= 10;
    if (d != '0') any = true;
    if (any) digits.insert(digits.begin(), d);
  }
  return digits.empty() ? "" : "." + digits;
}

}  // namespace

Result<int64_t> parse_go_duration(std::string_view text) {
  std::string_view s = text;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return int64_t{0};
  if (s.empty()) return invalid("invalid duration", text);
  uint64_t total = 0;
  while (!s.empty()) {
    uint64_t v = TRY(take_term(s, text));
    if (v > kMaxMagnitude - total) return invalid("invalid duration", text);
    total += v;
  }
  if (neg) return static_cast<int64_t>(0 - total);
  if (total > kMaxMagnitude - 1) return invalid("invalid duration", text);
  return static_cast<int64_t>(total);
}

std::string format_go_duration(int64_t ns) {
  bool neg = ns < 0;
  uint64_t u = neg ? 0 - static_cast<uint64_t>(ns) : static_cast<uint64_t>(ns);
  std::string out;
  if (u == 0) {
    out = "0s";
  } else if (u < 1000) {
    out = fmt::format("{}ns", u);
  } else if (u < 1000000) {
    out = fmt::format("{}{}\xc2\xb5s", u / 1000, fraction(u % 1000, 3));
  } else if (u < 1000000000) {
    out = fmt::format("{}{}ms", u / 1000000, fraction(u % 1000000, 6));
  } else {
    std::string secs = fmt::format("{}{}s", (u / 1000000000) % 60, fraction(u % 1000000000, 9));
    uint64_t minutes = u / 1000000000 / 60;
    if (minutes == 0)
      out = secs;
    else if (minutes < 60)
      out = fmt::format("{}m{}", minutes, secs);
    else
      out = fmt::format("{}h{}m{}", minutes / 60, minutes % 60, secs);
  }
  return neg ? "-" + out : out;
}

}  // namespace strata
