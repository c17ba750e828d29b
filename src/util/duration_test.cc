// SPDX-License-Identifier: Apache-2.0
#include "util/duration.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

int64_t ns(std::string_view s) {
  auto r = parse_go_duration(s);
  EXPECT_TRUE(r.ok()) << s << ": " << r.error().message();
  return r.ok() ? *r : -12345;
}

std::string error_of(std::string_view s) {
  auto r = parse_go_duration(s);
  return r.ok() ? "ok" : r.error().message();
}

TEST(GoDurationTest, ParsesGoSyntax) {
  EXPECT_EQ(ns("0"), 0);
  EXPECT_EQ(ns("-0"), 0);
  EXPECT_EQ(ns("0s"), 0);
  EXPECT_EQ(ns("200ms"), 200'000'000);
  EXPECT_EQ(ns("1.5s"), 1'500'000'000);
  EXPECT_EQ(ns(".5s"), 500'000'000);
  EXPECT_EQ(ns("1.s"), 1'000'000'000);
  EXPECT_EQ(ns("2h45m"), (2 * 3600 + 45 * 60) * 1'000'000'000LL);
  EXPECT_EQ(ns("1h1m1s1ms1us1ns"), 3'661'001'001'001LL);
  EXPECT_EQ(ns("3\xc2\xb5s"), 3000);
  EXPECT_EQ(ns("3\xce\xbcs"), 3000);
  EXPECT_EQ(ns("-1.5h"), -5'400'000'000'000LL);
  EXPECT_EQ(ns("+10s"), 10'000'000'000LL);
  EXPECT_EQ(ns("9223372036854775807ns"), INT64_MAX);
  EXPECT_EQ(ns("-9223372036854775808ns"), INT64_MIN);
}

TEST(GoDurationTest, RefusesWithGoMessages) {
  EXPECT_EQ(error_of(""), "time: invalid duration \"\"");
  EXPECT_EQ(error_of("abc"), "time: invalid duration \"abc\"");
  EXPECT_EQ(error_of("1"), "time: missing unit in duration \"1\"");
  EXPECT_EQ(error_of("1d"), "time: unknown unit \"d\" in duration \"1d\"");
  EXPECT_EQ(error_of("-"), "time: invalid duration \"-\"");
  EXPECT_EQ(error_of(".s"), "time: invalid duration \".s\"");
  EXPECT_EQ(error_of("1s "), "time: unknown unit \"s \" in duration \"1s \"");
  EXPECT_EQ(error_of("9223372036854775808ns"), "time: invalid duration \"9223372036854775808ns\"");
  EXPECT_EQ(error_of("3000000h"), "time: invalid duration \"3000000h\"");
  EXPECT_EQ(error_of("99999999999999999999s"), "time: invalid duration \"99999999999999999999s\"");
}

TEST(GoDurationTest, FormatsAsGoDoes) {
  EXPECT_EQ(format_go_duration(0), "0s");
  EXPECT_EQ(format_go_duration(1), "1ns");
  EXPECT_EQ(format_go_duration(1500), "1.5\xc2\xb5s");
  EXPECT_EQ(format_go_duration(1'000'000), "1ms");
  EXPECT_EQ(format_go_duration(200'000'000), "200ms");
  EXPECT_EQ(format_go_duration(1'250'000), "1.25ms");
  EXPECT_EQ(format_go_duration(1'000'000'000), "1s");
  EXPECT_EQ(format_go_duration(1'500'000'000), "1.5s");
  EXPECT_EQ(format_go_duration(30'000'000'000), "30s");
  EXPECT_EQ(format_go_duration(60'000'000'000), "1m0s");
  EXPECT_EQ(format_go_duration(90'000'000'000), "1m30s");
  EXPECT_EQ(format_go_duration(7'200'000'000'000), "2h0m0s");
  EXPECT_EQ(format_go_duration(-1'000'000'000), "-1s");
  EXPECT_EQ(format_go_duration(INT64_MIN), "-2562047h47m16.854775808s");
}

}  // namespace
}  // namespace strata
