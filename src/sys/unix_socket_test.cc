// SPDX-License-Identifier: Apache-2.0
#include "sys/unix_socket.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

#include "sys/fs.h"
#include "testutil/testutil.h"

namespace strata::sys {
namespace {

using strata::testing::TempDir;

TEST(UnixSocketTest, ShortPathsAreKeptLongOnesGoThroughTheirDirectoryFd) {
  UniqueFd dir;
  EXPECT_EQ(MUST(socket_address("/run/x.sock", &dir)), "/run/x.sock");
  EXPECT_FALSE(dir.valid());

  TempDir t;
  std::string deep = t.sub(std::string(60, 'd') + "/" + std::string(60, 'e'));
  ASSERT_OK(mkdir_p(deep));
  std::string path = deep + "/attach.sock";
  ASSERT_GE(path.size(), sizeof(sockaddr_un::sun_path));
  std::string name = MUST(socket_address(path, &dir));
  EXPECT_EQ(name, fmt::format("/proc/self/fd/{}/attach.sock", dir.get()));
  // Bound through the short name, connected to by the long one.
  UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, name.c_str(), name.size() + 1);
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener.get(), 1), 0);
  EXPECT_TRUE(exists(path));
  ASSERT_OK(connect_unix(path, "test socket"));
}

}  // namespace
}  // namespace strata::sys
