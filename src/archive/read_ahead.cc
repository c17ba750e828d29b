// SPDX-License-Identifier: Apache-2.0
#include "archive/read_ahead.h"

#include <cstring>
#include <system_error>

namespace strata::archive {

ReadAhead::ReadAhead(Reader& src, size_t chunk, size_t depth)
    : src_(src), chunk_(chunk), depth_(depth) {
  // Without a thread (a memory or thread limit) the reads are the caller's: slower, not
  // an abort.
  try {
    thread_ = std::thread([this] { work(); });
  } catch (const std::system_error&) {
    direct_ = true;
  }
}

ReadAhead::~ReadAhead() { stop(); }

void ReadAhead::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  room_.notify_all();
  if (thread_.joinable()) thread_.join();
}

// The thread: fills a chunk from the source (several reads: sources such as a gzip
// reader return little at a time), queues it, and waits while `depth_` are queued. Out
// of memory ends it and is the consumer's error (an exception may not leave a thread).
void ReadAhead::work() {
  try {
    fill();
  } catch (const std::bad_alloc&) {
    {
      std::lock_guard lock(mu_);
      out_of_memory_ = true;
    }
    ready_.notify_one();
  }
}

void ReadAhead::fill() {
  while (true) {
    std::vector<uint8_t> buf;
    {
      std::unique_lock lock(mu_);
      room_.wait(lock, [&] { return stopping_ || full_.size() < depth_; });
      if (stopping_) return;
      if (!free_.empty()) {
        buf = std::move(free_.back());
        free_.pop_back();
      }
    }
    buf.resize(chunk_);
    Chunk c;
    while (c.len < buf.size()) {
      auto n = src_.read(std::span(buf).subspan(c.len));
      if (!n.ok()) {
        c.error = std::move(n).error();
        break;
      }
      if (*n == 0) {
        c.end = true;
        break;
      }
      c.len += *n;
    }
    c.data = std::move(buf);
    bool last = c.error || c.end;
    {
      std::lock_guard lock(mu_);
      full_.push_back(std::move(c));
    }
    ready_.notify_one();
    if (last) return;
  }
}

Result<size_t> ReadAhead::read(std::span<uint8_t> out) {
  if (direct_) return src_.read(out);
  if (finished_ || out.empty()) return size_t{0};
  std::unique_lock lock(mu_);
  ready_.wait(lock, [&] { return !full_.empty() || out_of_memory_; });
  if (full_.empty()) {
    finished_ = true;
    return Error::make(Errc::kNoSpace, "read-ahead: out of memory");
  }
  Chunk& c = full_.front();
  if (c.pos == c.len) {
    // The end, or the source's error, after the data before it.
    STRATA_CHECK(c.error || c.end);
    finished_ = true;
    if (c.error) return std::move(*c.error);
    return size_t{0};
  }
  size_t n = std::min(out.size(), c.len - c.pos);
  std::memcpy(out.data(), c.data.data() + c.pos, n);
  c.pos += n;
  if (c.pos == c.len && !c.error && !c.end) {
    free_.push_back(std::move(c.data));
    full_.pop_front();
    lock.unlock();
    room_.notify_one();
  }
  return n;
}

}  // namespace strata::archive
