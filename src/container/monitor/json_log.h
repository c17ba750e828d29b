// SPDX-License-Identifier: Apache-2.0
// A container's log in Docker's json-file format: one JSON object per line,
//   {"log":"hello\n","stream":"stdout","time":"2026-12-02T08:00:00.123456789Z"}
// Output is cut into lines (a partial line waits for its end, up to 16 KiB, as Docker
// does), and the file rotates at max_size into FILE.1 ... FILE.<max_files-1>. Written by
// the monitor; nothing here allocates per byte or uses a JSON library.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"
#include "util/unique_fd.h"

namespace strata::container::monitor {

// Appends `s` escaped for the inside of a JSON string (invalid UTF-8 as U+FFFD, as Go
// writes it).
void append_escaped(std::string& out, std::string_view s);

// One json-file line (with its newline) for `log` from `stream` at unix time `ns`.
std::string json_log_line(std::string_view stream, std::string_view log, int64_t ns);

class JsonLog {
 public:
  static constexpr size_t kMaxPartial = 16 << 10;

  // max_size 0: never rotate. max_files is at least 1 (1: truncate when full).
  JsonLog(std::string path, uint64_t max_size, int max_files)
      : path_(std::move(path)), max_size_(max_size), max_files_(max_files < 1 ? 1 : max_files) {}
  Result<void> open();
  // Appends what `stream` ("stdout"/"stderr") wrote; complete lines go out now.
  Result<void> write(int stream, std::string_view data, int64_t ns);
  // Writes out what is left of partial lines (at the end of the streams).
  Result<void> flush(int64_t ns);

 private:
  Result<void> emit(int stream, std::string_view log, int64_t ns);
  Result<void> rotate();

  std::string path_;
  uint64_t max_size_;
  int max_files_;
  UniqueFd fd_;
  uint64_t size_ = 0;
  std::string partial_[2];  // stdout, stderr
};

}  // namespace strata::container::monitor
