// SPDX-License-Identifier: Apache-2.0
// Packing a tree that a running container may change under it: a plain tar for `cp`, and
// a regular file swapped for a FIFO or a device is refused, never opened.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <map>

#include "archive/tar.h"
#include "archive/tar_io.h"
#include "sys/fs.h"
#include "testutil/testutil.h"

namespace strata::archive {
namespace {

using strata::testing::TempDir;

// name -> file type of each entry of a tar.
std::map<std::string, mode_t> entry_types(const std::string& tar) {
  StringReader in(tar);
  TarReader r(in);
  std::map<std::string, mode_t> out;
  while (true) {
    auto e = r.next();
    if (!e.ok() || *e == nullptr) break;
    out[archive_entry_pathname(*e)] = archive_entry_filetype(*e);
  }
  return out;
}

TEST(PackEntryTest, IsAPlainTarWithoutWhiteouts) {
  if (!strata::testing::is_root()) GTEST_SKIP() << "mknod needs root";
  TempDir t;
  ASSERT_OK(sys::mkdir_p(t.sub("d")));
  ASSERT_OK(sys::write_file_atomic(t.sub("d/.wh.foo"), "user data"));
  ASSERT_EQ(::mknod(t.sub("d/dev00").c_str(), S_IFCHR | 0600, makedev(0, 0)), 0);
  auto parent = ASSERT_OK_AND_GET(sys::open_dir(t.path()));
  StringWriter out;
  PackEntryOptions o;
  o.as = "d";
  ASSERT_OK(pack_entry(parent.get(), "d", out, o));
  auto types = entry_types(out.out);
  EXPECT_EQ(types["d/.wh.foo"], static_cast<mode_t>(AE_IFREG));
  EXPECT_EQ(types["d/dev00"], static_cast<mode_t>(AE_IFCHR));
  EXPECT_EQ(types.count("d/.wh.dev00"), 0u);
}

TEST(PackDirTest, AFileSwappedForAFifoIsRefusedNotOpened) {
  TempDir t;
  ASSERT_OK(sys::mkdir_p(t.sub("d")));
  ASSERT_OK(sys::write_file_atomic(t.sub("d/f"), "data"));
  auto dir = ASSERT_OK_AND_GET(sys::open_dir(t.sub("d")));
  StringWriter out;
  // The filter runs after the walk's lstat: swap the file for a FIFO there, as a running
  // container could. An open for reading would block forever (no writer): fail fast.
  ::alarm(20);
  auto r = pack_dir(dir.get(), out, [&](std::string_view path, const struct stat&) {
    if (path == "f") {
      EXPECT_EQ(::unlink(t.sub("d/f").c_str()), 0);
      EXPECT_EQ(::mkfifo(t.sub("d/f").c_str(), 0644), 0);
    }
    return false;
  });
  ::alarm(0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kUnavailable);
  EXPECT_NE(r.error().message().find("replaced while being archived"), std::string::npos)
      << r.error().message();
}

}  // namespace
}  // namespace strata::archive
