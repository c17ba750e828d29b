// SPDX-License-Identifier: Apache-2.0
#include "sys/unix_socket.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "sys/fs.h"
#include "testutil/testutil.h"

namespace strata::sys {
namespace {

using strata::testing::TempDir;

TEST(UnixSocketTest, PathsLongerThanSunPathAreBoundAndConnectedThroughTheirDirectory) {
  TempDir t;
  std::string deep = t.sub(std::string(60, 'd') + "/" + std::string(60, 'e'));
  ASSERT_OK(mkdir_p(deep));
  std::string path = deep + "/attach.sock";
  ASSERT_GE(path.size(), sizeof(sockaddr_un::sun_path));
  UniqueFd listener = MUST(listen_unix(path, "test socket"));
  EXPECT_TRUE(exists(path));
  UniqueFd client = MUST(connect_unix(path, "test socket"));
  EXPECT_GE(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC), 0);
  // Listening again replaces the old socket file.
  UniqueFd again = MUST(listen_unix(path, "test socket"));
  ASSERT_OK(connect_unix(path, "test socket"));
}

TEST(UnixSocketTest, AMissingSocketNamesItsPath) {
  auto r = connect_unix("/nonexistent/x.sock", "attach");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("attach `/nonexistent/x.sock`"), std::string::npos);
}

}  // namespace
}  // namespace strata::sys
