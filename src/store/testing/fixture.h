// SPDX-License-Identifier: Apache-2.0
// Helpers for the store's tests: tar streams to import, and a snapshot of everything a
// store holds (files under blobs/, layers/ and l/, and every row) to compare.
#pragma once

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "archive/testing/tar_builder.h"
#include "store/store.h"

namespace strata::store::testing {

// A layer tar: `files` small files under dir/, plus one file of `big_bytes` bytes
// (pseudo-random, so that it does not compress away), all with fixed times.
inline std::string layer_tar(const std::string& seed, int files = 3, size_t big_bytes = 0) {
  archive::testing::TarBuilder t;
  t.dir("dir");
  for (int i = 0; i < files; ++i) t.file("dir/f" + std::to_string(i), seed + std::to_string(i));
  if (big_bytes > 0) {
    std::string big(big_bytes, '\0');
    uint64_t x = std::hash<std::string>{}(seed) | 1;
    for (auto& c : big) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      c = static_cast<char>(x);
    }
    t.file("big.bin", big);
  }
  return t.finish();
}

namespace detail {
inline std::string* g_listing = nullptr;
inline size_t g_prefix = 0;
inline int list_entry(const char* path, const struct stat* st, int type, struct FTW*) {
  std::string line(path + g_prefix);
  line += fmt::format(" {:o} {}", st->st_mode, S_ISDIR(st->st_mode) ? 0 : st->st_size);
  if (type == FTW_SL) {
    char buf[4096];
    ssize_t n = ::readlink(path, buf, sizeof(buf));
    if (n > 0) line += " -> " + std::string(buf, static_cast<size_t>(n));
  }
  *g_listing += line + "\n";
  return 0;
}
}  // namespace detail

// Every file below blobs/, layers/ and l/ (path, mode, size, link target), then every
// row of every table. Two equal snapshots mean an unchanged store.
inline std::string snapshot(Store& store) {
  std::string out;
  detail::g_listing = &out;
  detail::g_prefix = store.root().size();
  for (const char* sub : {"/blobs", "/layers", "/l"})
    ::nftw((store.root() + sub).c_str(), detail::list_entry, 64, FTW_PHYS);
  for (const char* table :
       {"blobs", "layers", "images", "image_layers", "tags", "refs", "leases", "lease_resources"}) {
    auto st = store.db().prepare(fmt::format("SELECT * FROM {} ORDER BY 1, 2", table));
    if (!st.ok()) return "prepare failed: " + st.error().message();
    out += fmt::format("-- {}\n", table);
    while (true) {
      auto row = st->step();
      if (!row.ok() || !*row) break;
      for (int c = 0; c < st->columns(); ++c) out += st->text(c) + " ";
      out += "\n";
    }
  }
  return out;
}

}  // namespace strata::store::testing
