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

// An object of n members: {"0":0,"1":0,...}
std::string object_of(size_t n) {
  std::string s = "{";
  for (size_t i = 0; i < n; ++i) s += (i ? ",\"" : "\"") + std::to_string(i) + "\":0";
  return s + "}";
}

TEST(JsonTest, ObjectMembersCostAtMostOneObjectOfTheCap) {
  // Json's members are found by a linear search: a million-member object took hours.
  EXPECT_TRUE(parse_json(object_of(kMaxJsonMembers), "x").ok());
  auto r = parse_json(object_of(kMaxJsonMembers + 1), "config");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kCorrupt);
  EXPECT_NE(r.error().message().find("config: JSON objects with too many members (byte "),
            std::string::npos)
      << r.error().message();
  // Many small objects are cheap; a few big ones add up; arrays and commas inside
  // strings do not count.
  std::string small = "[";
  for (int i = 0; i < 2000; ++i) small += (i ? "," : "") + object_of(100);
  EXPECT_TRUE(parse_json(small + "]", "x").ok());
  std::string big = "[" + object_of(8000) + "," + object_of(8000) + "]";
  EXPECT_FALSE(parse_json(big, "x").ok());
  std::string array = "[0";
  for (int i = 0; i < 100000; ++i) array += ",0";
  EXPECT_TRUE(parse_json(array + "]", "x").ok());
  EXPECT_TRUE(parse_json("{\"a\":\"" + std::string(100000, ',') + "\"}", "x").ok());
}

TEST(JsonTest, NotJsonNamesTheDocument) {
  auto r = parse_json("{\"a\":", "manifest.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "manifest.json: not valid JSON (byte 6)");
}

TEST(JsonTest, IntInRangeNamesTheFieldAndTheValue) {
  auto v = [](const char* text) { return Json::parse(text); };
  EXPECT_EQ(uint_in_range(v("4294967295"), "u", UINT32_MAX).value(), 4294967295u);
  EXPECT_EQ(uint_in_range(v("4294967296"), "process.user.uid", UINT32_MAX).error().message(),
            "process.user.uid: 4294967296 is out of range (0 to 4294967295)");
  EXPECT_EQ(uint_in_range(v("-1"), "x", 10).error().message(), "x: -1 is out of range (0 to 10)");
  EXPECT_EQ(uint_in_range(v("1.0"), "x", 10).error().message(), "x: 1.0 is not an integer");
  EXPECT_EQ(uint_in_range(v("\"1\""), "x", 10).error().message(),
            "x: want an integer, got a string");
  EXPECT_EQ(uint_in_range(v("[]"), "x", 10).error().message(), "x: want an integer, got an array");
  EXPECT_EQ(uint_in_range(v("18446744073709551615"), "x", UINT64_MAX).value(), UINT64_MAX);
  // Beyond 64 bits the parser keeps a float: refused, not wrapped.
  EXPECT_EQ(uint_in_range(v("18446744073709551616"), "x", UINT64_MAX).error().message(),
            "x: 1.8446744073709552e+19 is not an integer");
  EXPECT_EQ(int_in_range(v("-1"), "m", -1, INT64_MAX).value(), -1);
  EXPECT_EQ(int_in_range(v("9223372036854775808"), "m", -1, INT64_MAX).error().message(),
            "m: 9223372036854775808 is out of range (-1 to 9223372036854775807)");
  EXPECT_EQ(int_in_range(v("-2"), "m", -1, 5).error().code(), Errc::kInvalidArgument);
  EXPECT_EQ(int_in_range(v("0"), "t", 1, 5).error().message(), "t: 0 is out of range (1 to 5)");
  EXPECT_EQ(int_of_type<int16_t>(v("-32768"), "s").value(), -32768);
  EXPECT_FALSE(int_of_type<uint16_t>(v("65536"), "s").ok());
  // A value built in code (signed, positive) reads as unsigned too.
  EXPECT_EQ(uint_in_range(Json(static_cast<int64_t>(7)), "x", 10).value(), 7u);
  EXPECT_EQ(int_in_range(Json(5), "f\x1b", 0, 1).error().message(),
            "f\\x1b: 5 is out of range (0 to 1)");
}

TEST(JsonTest, GetIntRefusesUnsignedValuesBeyondInt64) {
  auto j = Json::parse(R"({"size": 18446744073709551615})");
  auto r = get_int(j, "size");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Errc::kCorrupt);
  EXPECT_EQ(
      r.error().message(),
      "size: 18446744073709551615 is out of range (-9223372036854775808 to 9223372036854775807)");
}

}  // namespace
}  // namespace strata::oci

namespace strata::oci {
namespace {

TEST(JsonTest, GetBoolOrTakesTheDefaultOnlyWhenAbsent) {
  Json j = {{"yes", true}, {"no", false}, {"str", "true"}};
  EXPECT_TRUE(MUST(get_bool_or(j, "yes", false)));
  EXPECT_FALSE(MUST(get_bool_or(j, "no", true)));
  EXPECT_TRUE(MUST(get_bool_or(j, "missing", true)));
  auto r = get_bool_or(j, "str", false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "str: want a boolean");
}

}  // namespace
}  // namespace strata::oci
