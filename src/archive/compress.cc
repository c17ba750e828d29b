// SPDX-License-Identifier: Apache-2.0
// Compressors: parallel multi-member gzip (libdeflate) and multithreaded zstd (libzstd).
#include "archive/compress.h"

#include <libdeflate.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace strata::archive {

namespace {

unsigned default_threads() {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<unsigned>(n) : 1;
}

class PassthroughWriter : public Writer {
 public:
  explicit PassthroughWriter(Writer& dst) : dst_(dst) {}
  Result<void> write(std::span<const uint8_t> data) override { return dst_.write(data); }

 private:
  Writer& dst_;
};

// Input is cut into fixed chunks; each becomes one gzip member, compressed by a worker.
// Members are written to dst in order by the caller's thread; at most 2 * threads
// chunks are in flight, so memory stays flat whatever the layer size.
class ParallelGzipWriter : public Writer {
 public:
  ParallelGzipWriter(Writer& dst, int level, unsigned threads)
      : dst_(dst), level_(level), max_in_flight_(2 * threads) {
    // Threads that cannot be had (a memory or thread limit) are done without: with none
    // at all, the caller compresses each member itself.
    try {
      for (unsigned i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
    } catch (const std::system_error&) {
      max_in_flight_ = 2 * std::max<size_t>(workers_.size(), 1);
    }
    current_ = std::make_shared<Job>();
    current_->in.reserve(kGzipChunkBytes);
  }
  ~ParallelGzipWriter() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    if (inline_ != nullptr) libdeflate_free_compressor(inline_);
  }

  Result<void> write(std::span<const uint8_t> data) override {
    while (!data.empty()) {
      size_t n = std::min(data.size(), kGzipChunkBytes - current_->in.size());
      current_->in.insert(current_->in.end(), data.begin(), data.begin() + n);
      data = data.subspan(n);
      if (current_->in.size() == kGzipChunkBytes) TRY(submit());
    }
    return {};
  }

  Result<void> close() override {
    // An empty stream still gets one (empty) member, so it is valid gzip.
    if (!current_->in.empty() || !wrote_any_) TRY(submit());
    while (!ordered_.empty()) TRY(write_front());
    return {};
  }

 private:
  struct Job {
    std::vector<uint8_t> in, out;
    bool done = false;
    bool out_of_memory = false;  // a worker could not compress it
  };

  Result<void> submit() {
    if (workers_.empty()) {
      TRY(compress_inline(*current_));
      ordered_.push_back(current_);
    } else {
      {
        std::lock_guard lock(mu_);
        queue_.push_back(current_);
        ordered_.push_back(current_);
      }
      cv_.notify_one();
    }
    wrote_any_ = true;
    current_ = std::make_shared<Job>();
    current_->in.reserve(kGzipChunkBytes);
    while (ordered_.size() > max_in_flight_ || front_done()) TRY(write_front());
    return {};
  }

  bool front_done() {
    std::lock_guard lock(mu_);
    return !ordered_.empty() && ordered_.front()->done;
  }

  Result<void> write_front() {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mu_);
      done_cv_.wait(lock, [&] { return ordered_.front()->done; });
      job = ordered_.front();
      ordered_.pop_front();
    }
    if (job->out_of_memory) return Error::make(Errc::kNoSpace, "gzip: out of memory");
    return dst_.write(job->out);
  }

  static void compress(libdeflate_compressor* c, Job& job) {
    job.out.resize(libdeflate_gzip_compress_bound(c, job.in.size()));
    size_t n =
        libdeflate_gzip_compress(c, job.in.data(), job.in.size(), job.out.data(), job.out.size());
    STRATA_CHECK(n > 0);  // the bound guarantees room
    job.out.resize(n);
    std::vector<uint8_t>().swap(job.in);
  }

  Result<void> compress_inline(Job& job) {
    if (inline_ == nullptr) inline_ = libdeflate_alloc_compressor(level_);
    if (inline_ == nullptr) return Error::make(Errc::kNoSpace, "gzip: out of memory");
    compress(inline_, job);
    job.done = true;
    return {};
  }

  // A worker: compresses jobs until stopped. Out of memory (no compressor, or a buffer
  // that cannot grow) fails the job, never the process: no exception leaves a thread.
  void work() {
    libdeflate_compressor* c = libdeflate_alloc_compressor(level_);
    while (true) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) break;
        job = queue_.front();
        queue_.pop_front();
      }
      try {
        if (c == nullptr) throw std::bad_alloc();
        compress(c, *job);
      } catch (const std::bad_alloc&) {
        job->out_of_memory = true;
      }
      {
        std::lock_guard lock(mu_);
        job->done = true;
      }
      done_cv_.notify_all();
    }
    if (c != nullptr) libdeflate_free_compressor(c);
  }

  Writer& dst_;
  int level_;
  size_t max_in_flight_;
  std::shared_ptr<Job> current_;
  bool wrote_any_ = false;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  std::deque<std::shared_ptr<Job>> queue_, ordered_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  libdeflate_compressor* inline_ = nullptr;  // without workers
};

class ZstdWriter : public Writer {
 public:
  ZstdWriter(Writer& dst, int level, unsigned threads) : dst_(dst), cs_(ZSTD_createCCtx()) {
    STRATA_CHECK(cs_ != nullptr);
    ZSTD_CCtx_setParameter(cs_, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(cs_, ZSTD_c_checksumFlag, 1);
    // Fails harmlessly (stays single-threaded) on a libzstd built without threads.
    if (threads > 1) ZSTD_CCtx_setParameter(cs_, ZSTD_c_nbWorkers, static_cast<int>(threads));
    out_.resize(ZSTD_CStreamOutSize());
  }
  ~ZstdWriter() override { ZSTD_freeCCtx(cs_); }

  Result<void> write(std::span<const uint8_t> data) override {
    ZSTD_inBuffer in = {data.data(), data.size(), 0};
    while (in.pos < in.size) TRY(step(&in, ZSTD_e_continue));
    return {};
  }

  Result<void> close() override {
    ZSTD_inBuffer in = {nullptr, 0, 0};
    while (TRY(step(&in, ZSTD_e_end)) != 0) {
    }
    return {};
  }

 private:
  Result<size_t> step(ZSTD_inBuffer* in, ZSTD_EndDirective mode) {
    ZSTD_outBuffer out = {out_.data(), out_.size(), 0};
    size_t rc = ZSTD_compressStream2(cs_, &out, in, mode);
    if (ZSTD_isError(rc))
      return Error::make(Errc::kInternal, fmt::format("zstd compress: {}", ZSTD_getErrorName(rc)));
    if (out.pos > 0) TRY(dst_.write({out_.data(), out.pos}));
    return rc;
  }

  Writer& dst_;
  ZSTD_CCtx* cs_;
  std::vector<uint8_t> out_;
};

}  // namespace

Result<std::unique_ptr<Writer>> make_compressor(Compression c, Writer& dst, int level,
                                                unsigned threads) {
  if (threads == 0) threads = default_threads();
  switch (c) {
    case Compression::kNone:
      return std::unique_ptr<Writer>(new PassthroughWriter(dst));
    case Compression::kGzip:
      if (level < 0) level = 6;
      if (level > 12)
        return Error::make(Errc::kInvalidArgument, fmt::format("gzip level {}: want 0-12", level));
      return std::unique_ptr<Writer>(new ParallelGzipWriter(dst, level, threads));
    case Compression::kZstd:
      if (level < 0) level = 3;
      if (level > ZSTD_maxCLevel())
        return Error::make(Errc::kInvalidArgument,
                           fmt::format("zstd level {}: want 0-{}", level, ZSTD_maxCLevel()));
      return std::unique_ptr<Writer>(new ZstdWriter(dst, level, threads));
  }
  return Error::make(Errc::kInvalidArgument, "unknown compression");
}

}  // namespace strata::archive
