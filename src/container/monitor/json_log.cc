// SPDX-License-Identifier: Apache-2.0
#include "container/monitor/json_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "sys/io.h"
#include "util/strings.h"

namespace strata::container::monitor {

namespace {

constexpr const char* kStreamNames[] = {"stdout", "stderr"};

}  // namespace

namespace {

// The length of the well-formed UTF-8 sequence `s` starts with, 0 if it does not:
// no overlong forms, no surrogates (U+D800..DFFF), nothing above U+10FFFF (RFC 3629;
// the second byte's range depends on the first).
size_t utf8_length(std::string_view s) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(0);
  size_t len = c >= 0xc2 && c < 0xe0   ? 2
               : c >= 0xe0 && c < 0xf0 ? 3
               : c >= 0xf0 && c < 0xf5 ? 4
                                       : 0;
  if (len == 0 || s.size() < len) return 0;
  unsigned char lo = 0x80, hi = 0xbf;
  if (c == 0xe0) lo = 0xa0;
  if (c == 0xed) hi = 0x9f;
  if (c == 0xf0) lo = 0x90;
  if (c == 0xf4) hi = 0x8f;
  if (b(1) < lo || b(1) > hi) return 0;
  for (size_t k = 2; k < len; ++k)
    if ((b(k) & 0xc0) != 0x80) return 0;
  return len;
}

}  // namespace

void append_escaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else if (c < 0x80) {
          out += static_cast<char>(c);
        } else {
          // UTF-8 passes through when well formed; any other byte becomes U+FFFD, as
          // Go's encoder (Docker's) writes it, so the line stays valid JSON.
          size_t len = utf8_length(s.substr(i));
          if (len > 0) {
            out.append(s.substr(i, len));
            i += len - 1;
          } else {
            out += "\\ufffd";
          }
        }
    }
  }
}

std::string json_log_line(std::string_view stream, std::string_view log, int64_t ns) {
  std::string out = "{\"log\":\"";
  out.reserve(log.size() + 80);
  append_escaped(out, log);
  out += "\",\"stream\":\"";
  out += stream;
  out += "\",\"time\":\"";
  out += format_rfc3339(ns / 1000000000, ns % 1000000000);
  out += "\"}\n";
  return out;
}

Result<void> JsonLog::open() {
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return Error::from_errno(errno, fmt::format("open log `{}`", path_));
  fd_.reset(fd);
  struct stat st;
  size_ = ::fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  return {};
}

Result<void> JsonLog::rotate() {
  if (max_files_ > 1) {
    for (int i = max_files_ - 1; i >= 1; --i) {
      std::string from = i == 1 ? path_ : fmt::format("{}.{}", path_, i - 1);
      if (::rename(from.c_str(), fmt::format("{}.{}", path_, i).c_str()) < 0 && errno != ENOENT)
        return Error::from_errno(errno, fmt::format("rotate log `{}`", from));
    }
  } else if (::truncate(path_.c_str(), 0) < 0) {
    return Error::from_errno(errno, fmt::format("truncate log `{}`", path_));
  }
  return open();
}

Result<void> JsonLog::emit(int stream, std::string_view log, int64_t ns) {
  std::string line = json_log_line(kStreamNames[stream], log, ns);
  if (max_size_ > 0 && size_ > 0 && size_ + line.size() > max_size_) TRY(rotate());
  if (sys::write_all(fd_.get(), line) < 0)
    return Error::from_errno(errno, fmt::format("write log `{}`", path_));
  size_ += line.size();
  return {};
}

Result<void> JsonLog::write(int stream, std::string_view data, int64_t ns) {
  std::string& part = partial_[stream];
  while (!data.empty()) {
    size_t nl = data.find('\n');
    if (nl == std::string_view::npos) {
      part.append(data);
      if (part.size() >= kMaxPartial) {
        TRY(emit(stream, part, ns));
        part.clear();
      }
      return {};
    }
    if (part.empty()) {
      TRY(emit(stream, data.substr(0, nl + 1), ns));
    } else {
      part.append(data.substr(0, nl + 1));
      TRY(emit(stream, part, ns));
      part.clear();
    }
    data.remove_prefix(nl + 1);
  }
  return {};
}

Result<void> JsonLog::flush(int64_t ns) {
  for (int s = 0; s < 2; ++s) {
    if (partial_[s].empty()) continue;
    TRY(emit(s, partial_[s], ns));
    partial_[s].clear();
  }
  return {};
}

}  // namespace strata::container::monitor
