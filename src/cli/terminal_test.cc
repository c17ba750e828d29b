// SPDX-License-Identifier: Apache-2.0
#include "cli/terminal.h"

#include <gtest/gtest.h>

namespace strata::cli {
namespace {

TEST(DetachKeys, DockerSyntax) {
  EXPECT_EQ(parse_detach_keys("ctrl-p,ctrl-q").value(), "\x10\x11");
  EXPECT_EQ(parse_detach_keys("a,ctrl-@,ctrl-[,ctrl-_").value(), std::string("a\0\x1b\x1f", 4));
  auto bad = parse_detach_keys("ctrl-pp");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(),
            "Invalid detach keys (ctrl-pp) provided: Unknown character: 'ctrl-pp'");
  EXPECT_FALSE(parse_detach_keys("ctrl-p,").ok());
  EXPECT_FALSE(parse_detach_keys("ctrl-1").ok());
}

TEST(DetachWatch, HoldsAPrefixAndPassesItOnWhenTheSequenceBreaks) {
  DetachWatch w("\x10\x11");
  bool detach = false;
  EXPECT_EQ(w.feed("ab\x10", &detach), "ab");
  EXPECT_FALSE(detach);
  EXPECT_EQ(w.feed("c", &detach),
            "\x10"
            "c");
  EXPECT_EQ(w.feed("\x10\x10", &detach), "\x10");
  EXPECT_EQ(w.feed("\x11zz", &detach), "");
  EXPECT_TRUE(detach);
}

TEST(DetachWatch, NoKeysPassesEverything) {
  DetachWatch w("");
  bool detach = true;
  EXPECT_EQ(w.feed("\x10\x11", &detach), "\x10\x11");
  EXPECT_FALSE(detach);
}

}  // namespace
}  // namespace strata::cli
