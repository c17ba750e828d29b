// SPDX-License-Identifier: Apache-2.0
// A file that appears whole or not at all (`save -o FILE`). Where the file system has
// O_TMPFILE, the data goes to an unnamed file that gets its name only when complete and
// flushed: a process killed mid-write leaves nothing behind. Elsewhere it is a temp file
// `FILE.tmp-XXXXXXXX` beside FILE, flock'ed while it is written; creating an OutputFile
// for FILE removes the temp files of FILE that nobody holds (left by a killed writer).
// A FILE that exists and is not a regular file (a fifo, /dev/stdout) is written directly.
#pragma once

#include <memory>
#include <string>

#include "archive/stream.h"
#include "store/env.h"

namespace strata::store {

class OutputFile : public archive::Writer {
 public:
  static Result<std::unique_ptr<OutputFile>> create(const std::string& path,
                                                    Env& env = Env::real());
  // Removes the temp file unless close() succeeded.
  ~OutputFile() override;

  Result<void> write(std::span<const uint8_t> data) override;
  // fsync, then gives the file its name (replacing what had it).
  Result<void> close() override;

 private:
  OutputFile(Env& env, std::string path, UniqueFd fd, std::string tmp, bool direct)
      : env_(env),
        path_(std::move(path)),
        fd_(std::move(fd)),
        tmp_(std::move(tmp)),
        direct_(direct) {}
  Result<void> name_it();

  Env& env_;
  std::string path_;
  UniqueFd fd_;
  std::string tmp_;  // the named temp file, if any
  bool direct_;
  bool done_ = false;
};

}  // namespace strata::store
