// SPDX-License-Identifier: Apache-2.0
// ReadAhead: a Reader that pulls from its source on a thread of its own, a few buffers
// ahead of the consumer, so that the source's work (reading, hashing, decompressing, a
// copy to disk) runs on one core while the consumer (tar extraction) runs on another.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "archive/stream.h"

namespace strata::archive {

class ReadAhead : public Reader {
 public:
  // Starts the thread. Until stop() returns, `src` (and whatever it reads from) belongs
  // to that thread: nothing else may use it. At most `depth` chunks of `chunk` bytes are
  // held, so memory is flat.
  explicit ReadAhead(Reader& src, size_t chunk = 1 << 20, size_t depth = 4);
  ~ReadAhead() override;
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  // The source's bytes in order; its error, in its place; 0 at its end.
  Result<size_t> read(std::span<uint8_t> buf) override;
  // Stops the thread after the read it is in and waits for it; then `src` is the
  // caller's again. What was read ahead and not consumed is dropped (the source is
  // further along than the consumer): call it at the end, or on the way out of an error.
  void stop();

 private:
  struct Chunk {
    std::vector<uint8_t> data;
    size_t len = 0, pos = 0;
    std::optional<Error> error;  // the source failed here
    bool end = false;            // the source ended here
  };
  void work();
  void fill();

  Reader& src_;
  size_t chunk_, depth_;
  std::mutex mu_;
  std::condition_variable ready_, room_;
  std::deque<Chunk> full_;
  std::vector<std::vector<uint8_t>> free_;
  bool stopping_ = false;
  bool finished_ = false;       // the consumer saw the end or an error
  bool direct_ = false;         // no thread could be started: read() reads the source itself
  bool out_of_memory_ = false;  // the thread stopped on std::bad_alloc (guarded by mu_)
  std::thread thread_;
};

}  // namespace strata::archive
