// SPDX-License-Identifier: Apache-2.0
#include "container/container.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <set>

#include "container/spec.h"
#include "testutil/testutil.h"

namespace strata::container {
namespace {

TEST(NamesTest, GeneratedNamesAreAdjectiveSurnameAndVary) {
  std::set<std::string> seen;
  for (uint64_t seed = 0; seed < 1000; ++seed) {
    std::string n = generate_name(seed * 2654435761u);
    ASSERT_NE(n.find('_'), std::string::npos) << n;
    seen.insert(n);
  }
  EXPECT_GT(seen.size(), 500u);
}

TEST(NamesTest, IdsAre64HexAndDistinct) {
  std::string a = new_id(), b = new_id();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_TRUE(oci::is_hex(a));
  EXPECT_NE(a, b);
}

TEST(SignalTest, DockerSpellings) {
  EXPECT_EQ(parse_signal("SIGTERM"), SIGTERM);
  EXPECT_EQ(parse_signal("TERM"), SIGTERM);
  EXPECT_EQ(parse_signal("kill"), SIGKILL);
  EXPECT_EQ(parse_signal("sigusr1"), SIGUSR1);
  EXPECT_EQ(parse_signal("9"), 9);
  EXPECT_EQ(parse_signal("0"), 0);
  EXPECT_EQ(parse_signal("65"), 0);
  EXPECT_EQ(parse_signal("BOGUS"), 0);
  EXPECT_EQ(parse_signal(""), 0);
}

constexpr const char* kPasswd =
    "root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www:/var/www:/usr/sbin/nologin\n"
    "app:x:1000:1001::/home/app:/bin/sh\nbroken:x:abc:1\n";
constexpr const char* kGroup = "root:x:0:\nstaff:x:50:app,other\napp:x:1001:\naudio:x:29:app\n";

TEST(UserTest, NamesAndIdsAsDockerResolvesThem) {
  auto u = MUST(lookup_user(kPasswd, kGroup, "app"));
  EXPECT_EQ(u.uid, 1000u);
  EXPECT_EQ(u.gid, 1001u);
  EXPECT_EQ(u.additional_gids, (std::vector<uint32_t>{50, 29}));
  u = MUST(lookup_user(kPasswd, kGroup, "33"));
  EXPECT_EQ(u.uid, 33u);
  EXPECT_EQ(u.gid, 33u);
  u = MUST(lookup_user(kPasswd, kGroup, "4242:7"));  // not in passwd: taken as given
  EXPECT_EQ(u.uid, 4242u);
  EXPECT_EQ(u.gid, 7u);
  u = MUST(lookup_user(kPasswd, kGroup, "app:staff"));
  EXPECT_EQ(u.gid, 50u);
  u = MUST(lookup_user("", "", ""));
  EXPECT_EQ(u.uid, 0u);
}

TEST(UserTest, UnknownNamesAreErrors) {
  auto r = lookup_user(kPasswd, kGroup, "nobody");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "unable to find user nobody: no matching entries in passwd file");
  r = lookup_user(kPasswd, kGroup, "app:nogroup");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("unable to find group nogroup"), std::string::npos);
  EXPECT_FALSE(lookup_user(kPasswd, kGroup, "broken").ok());
  EXPECT_FALSE(lookup_user(kPasswd, kGroup, "4294967295").ok() &&
               lookup_user(kPasswd, kGroup, "4294967295")->uid == UINT32_MAX);
}

}  // namespace
}  // namespace strata::container
