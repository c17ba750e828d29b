// SPDX-License-Identifier: Apache-2.0
#include "container/monitor/json_log.h"

#include <gtest/gtest.h>

#include "sys/fs.h"
#include "testutil/testutil.h"

namespace strata::container::monitor {
namespace {

using strata::testing::TempDir;

constexpr int64_t kT = 1764662400LL * 1000000000 + 123456789;  // 2025-12-02T08:00:00.123456789Z

TEST(JsonLogLineTest, DockerShapeWithEscapes) {
  EXPECT_EQ(json_log_line("stdout", "hi \"x\"\\\n", kT),
            "{\"log\":\"hi \\\"x\\\"\\\\\\n\",\"stream\":\"stdout\","
            "\"time\":\"2025-12-02T08:00:00.123456789Z\"}\n");
  EXPECT_EQ(json_log_line("stderr", std::string("\x1b[2J\t\x7f", 6), kT).substr(0, 35),
            "{\"log\":\"\\u001b[2J\\t\\u007f\",\"stream\"");
}

TEST(JsonLogLineTest, Utf8PassesAndBadBytesBecomeReplacementChars) {
  EXPECT_NE(json_log_line("stdout", "caf\xc3\xa9", kT).find("caf\xc3\xa9"), std::string::npos);
  std::string bad = json_log_line("stdout", "a\xff\xc3", kT);
  EXPECT_NE(bad.find("a\\ufffd\\ufffd\""), std::string::npos) << bad;
}

// What only looks like UTF-8 by its lead and continuation bytes: surrogates, overlong
// forms and code points above U+10FFFF are not valid, and Go's encoder replaces them.
TEST(JsonLogLineTest, SurrogatesOverlongsAndOutOfRangeAreReplaced) {
  auto escaped = [](std::string_view in) {
    std::string out;
    append_escaped(out, in);
    return out;
  };
  EXPECT_EQ(escaped("\xed\xa0\x80z"), "\\ufffd\\ufffd\\ufffdz");  // U+D800
  EXPECT_EQ(escaped("\xe0\x80\x80"), "\\ufffd\\ufffd\\ufffd");    // overlong U+0000
  EXPECT_EQ(escaped("\xf0\x80\x80\x80"), "\\ufffd\\ufffd\\ufffd\\ufffd");
  EXPECT_EQ(escaped("\xf4\x90\x80\x80"), "\\ufffd\\ufffd\\ufffd\\ufffd");  // > U+10FFFF
  // The edges of what is valid pass unchanged.
  for (std::string_view ok : {"\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80", "\xf0\x90\x80\x80",
                              "\xf4\x8f\xbf\xbf", "\xc2\x80"})
    EXPECT_EQ(escaped(ok), ok);
}

TEST(JsonLogTest, LinesArePiecedTogetherAndPartialsFlushed) {
  TempDir t;
  JsonLog log(t.sub("log"), 0, 1);
  ASSERT_OK(log.open());
  ASSERT_OK(log.write(0, "one\ntw", kT));
  ASSERT_OK(log.write(1, "err", kT));
  ASSERT_OK(log.write(0, "o\nthree", kT));
  ASSERT_OK(log.flush(kT));
  std::string text = MUST(sys::read_file(t.sub("log")));
  std::string want = json_log_line("stdout", "one\n", kT) + json_log_line("stdout", "two\n", kT) +
                     json_log_line("stdout", "three", kT) + json_log_line("stderr", "err", kT);
  EXPECT_EQ(text, want);
}

TEST(JsonLogTest, ALongLineWithoutNewlineGoesOutAt16KiB) {
  TempDir t;
  JsonLog log(t.sub("log"), 0, 1);
  ASSERT_OK(log.open());
  ASSERT_OK(log.write(0, std::string(JsonLog::kMaxPartial + 10, 'a'), kT));
  std::string text = MUST(sys::read_file(t.sub("log")));
  EXPECT_EQ(text, json_log_line("stdout", std::string(JsonLog::kMaxPartial + 10, 'a'), kT));
}

TEST(JsonLogTest, RotatesAtMaxSizeKeepingMaxFiles) {
  TempDir t;
  std::string line = json_log_line("stdout", "0123456789\n", kT);
  JsonLog log(t.sub("log"), line.size() * 2, 3);
  ASSERT_OK(log.open());
  for (int i = 0; i < 7; ++i) ASSERT_OK(log.write(0, "0123456789\n", kT));
  EXPECT_EQ(MUST(sys::read_file(t.sub("log"))), line);  // 7 lines: 2 + 2 + 2 + 1
  EXPECT_EQ(MUST(sys::read_file(t.sub("log.1"))), line + line);
  EXPECT_EQ(MUST(sys::read_file(t.sub("log.2"))), line + line);
  EXPECT_FALSE(sys::exists(t.sub("log.3")));
}

TEST(JsonLogTest, OneFileTruncatesWhenFull) {
  TempDir t;
  std::string line = json_log_line("stdout", "x\n", kT);
  JsonLog log(t.sub("log"), line.size(), 1);
  ASSERT_OK(log.open());
  for (int i = 0; i < 3; ++i) ASSERT_OK(log.write(0, "x\n", kT));
  EXPECT_EQ(MUST(sys::read_file(t.sub("log"))), line);
  EXPECT_FALSE(sys::exists(t.sub("log.1")));
}

}  // namespace
}  // namespace strata::container::monitor
