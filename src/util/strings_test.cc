// SPDX-License-Identifier: Apache-2.0
#include "util/strings.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(StringsTest, SplitKeepsEmptyFields) {
  EXPECT_EQ(split("a//b", '/'), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(split("", '/'), (std::vector<std::string>{""}));
}

TEST(StringsTest, PrintableEscapesControlBytes) {
  EXPECT_EQ(printable("etc/passwd"), "etc/passwd");
  EXPECT_EQ(printable("caf\xc3\xa9 \xe2\x9c\x93"), "caf\xc3\xa9 \xe2\x9c\x93");  // UTF-8 kept
  EXPECT_EQ(printable("a\x1b[31mred"), "a\\x1b[31mred");                         // ESC
  EXPECT_EQ(printable("x\ny\tz\x7f"), "x\\ny\\tz\\x7f");
  EXPECT_EQ(printable("\xc2\x9b"
                      "2J"),
            "\\xc2\\x9b2J");  // C1 CSI as UTF-8
  EXPECT_EQ(printable("\x9b"
                      "2J"),
            "\\x9b2J");                            // CSI as a raw byte
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");  // overlong '/'
  EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
}

TEST(StringsTest, HumanSizeMatchesDocker) {
  EXPECT_EQ(human_size(0), "0B");
  EXPECT_EQ(human_size(999), "999B");
  EXPECT_EQ(human_size(1000), "1kB");
  EXPECT_EQ(human_size(1234567), "1.235MB");
  EXPECT_EQ(human_size(4261550), "4.262MB");
  EXPECT_EQ(human_size(77800000), "77.8MB");
}

TEST(StringsTest, ParseSizeTakesDockersUnits) {
  uint64_t n = 0;
  EXPECT_TRUE(parse_size("1024", &n));
  EXPECT_EQ(n, 1024u);
  EXPECT_TRUE(parse_size("512m", &n));
  EXPECT_EQ(n, 512u << 20);
  EXPECT_TRUE(parse_size("20GB", &n));
  EXPECT_EQ(n, 20ull << 30);
  EXPECT_TRUE(parse_size("1.5GiB", &n));
  EXPECT_EQ(n, 3ull << 29);
  EXPECT_TRUE(parse_size("7b", &n));
  EXPECT_EQ(n, 7u);
  EXPECT_TRUE(parse_size("15p", &n));
  EXPECT_EQ(n, 15ull << 50);
  EXPECT_TRUE(parse_size("18446744073709551615", &n));
  EXPECT_EQ(n, UINT64_MAX);
  for (const char* bad : {"", "m", "-1", "1.m", ".5m", "1x", "1mm", "1 m", "1bb", "1e3",
                          "18446744073709551616", "16384p", "99999999999999999999999k"})
    EXPECT_FALSE(parse_size(bad, &n)) << bad;
}

TEST(StringsTest, DurationAgo) {
  EXPECT_EQ(human_duration_ago(100, 100), "Less than a second ago");
  EXPECT_EQ(human_duration_ago(0, 5), "5 seconds ago");
  EXPECT_EQ(human_duration_ago(0, 90), "About a minute ago");
  EXPECT_EQ(human_duration_ago(0, 3 * 3600), "3 hours ago");
  EXPECT_EQ(human_duration_ago(0, 3 * 86400), "3 days ago");
}

TEST(StringsTest, Rfc3339RoundTrip) {
  int64_t t = 0;
  ASSERT_TRUE(parse_rfc3339("2024-01-02T03:04:05.123456789Z", &t));
  EXPECT_EQ(t, 1704164645);
  EXPECT_EQ(format_rfc3339(t), "2024-01-02T03:04:05Z");
  ASSERT_TRUE(parse_rfc3339("2024-01-02T05:04:05+02:00", &t));
  EXPECT_EQ(t, 1704164645);
  EXPECT_FALSE(parse_rfc3339("yesterday", &t));
  // Fields out of range (an image config's "2024-99-99T99:99:99Z" showed as "Less than
  // a second ago") and an offset that is not digits.
  for (const char* bad : {"2024-99-99T99:99:99Z", "2024-13-01T00:00:00Z", "2024-01-00T00:00:00Z",
                          "2024-01-01T24:00:00Z", "2024-01-01T00:60:00Z", "2024-01-01T00:00:61Z",
                          "2024-01-01T00:00:00+0a:00"})
    EXPECT_FALSE(parse_rfc3339(bad, &t)) << bad;
  EXPECT_TRUE(parse_rfc3339("2016-12-31T23:59:60Z", &t));  // a leap second
}

}  // namespace
}  // namespace strata
