// SPDX-License-Identifier: Apache-2.0
#include "oci/json.h"

#include <gtest/gtest.h>

namespace strata::oci {
namespace {

std::string nested(int depth, char open, char close) {
  return std::string(static_cast<size_t>(depth), open) +
         std::string(static_cast<size_t>(depth), close);
}

TEST(JsonTest, RefusesNestingDeeperThanTheCap) {
  auto r = parse_json(nested(100000, '[', ']'), "config.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "config.json: JSON nested deeper than 256 levels (byte 256)");
  EXPECT_EQ(r.error().code(), Errc::kCorrupt);
  std::string objects;
  for (int i = 0; i < 300; ++i) objects += "{\"a\":";
  objects += "1" + std::string(300, '}');
  EXPECT_FALSE(parse_json(objects, "x").ok());
}

TEST(JsonTest, AcceptsNestingUpToTheCap) {
  EXPECT_TRUE(parse_json(nested(kMaxJsonDepth, '[', ']'), "x").ok());
}

TEST(JsonTest, BracketsInStringsDoNotCount) {
  std::string s = "[\"" + std::string(1000, '[') + "\\\"" + std::string(1000, '{') + "\"]";
  auto r = parse_json(s, "x");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ((*r)[0].get<std::string>().size(), 2001u);
}

TEST(JsonTest, NotJsonNamesTheDocument) {
  auto r = parse_json("{\"a\":", "manifest.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "manifest.json: not valid JSON (byte 6)");
}

}  // namespace
}  // namespace strata::oci
