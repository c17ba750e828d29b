// SPDX-License-Identifier: Apache-2.0
// The layer import pipeline on hostile bytes: decompression (gzip, zstd or none, by
// magic), tar reading (PAX, GNU, sparse) and extraction (whiteouts, links, xattrs) into
// a fresh directory. Any input unpacks or fails with a Result; nothing is ever created
// beside the destination (an escape would show up there).
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "archive/layer.h"
#include "sys/fs.h"

namespace {

const std::string& work_dir() {
  static const std::string dir = [] {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/strata-tar-fuzz-XXXXXX";
    STRATA_CHECK(::mkdtemp(tmpl.data()) != nullptr);
    std::atexit([] { (void)strata::sys::remove_all(work_dir()); });
    return tmpl;
  }();
  return dir;
}

// The names in `dir` other than "." and "..".
int count_entries(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  STRATA_CHECK(d != nullptr);
  int n = 0;
  while (struct dirent* de = ::readdir(d)) {
    std::string_view name = de->d_name;
    if (name != "." && name != "..") ++n;
  }
  ::closedir(d);
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  const std::string& top = work_dir();
  std::string dest = top + "/layer";
  STRATA_CHECK(sys::mkdir_p(dest).ok());
  {
    auto fd = sys::open_dir(dest);
    STRATA_CHECK(fd.ok());
    archive::StringReader in(std::string(reinterpret_cast<const char*>(data), size));
    archive::StringWriter blob;
    archive::ExtractLimits limits;
    limits.max_bytes = 64 << 20;  // keep each run small
    limits.max_entries = 100000;
    (void)archive::unpack_layer_blob(in, &blob, fd->get(), limits);
    STRATA_CHECK(blob.out.size() <= size);
  }
  STRATA_CHECK(count_entries(top) == 1);  // nothing beside the layer
  STRATA_CHECK(sys::remove_all(dest).ok());
  return 0;
}
