// SPDX-License-Identifier: Apache-2.0
#include "container/monitor/health.h"

#include <gtest/gtest.h>

namespace strata::container::monitor {
namespace {

constexpr int64_t kMs = 1'000'000;

ProbeResult result(int code, std::string out = "") {
  return {1'700'000'000'123'000'000, 1'700'000'000'500'000'000, code, std::move(out)};
}

HealthTiming timing(int64_t interval, int64_t start_period = 0, int64_t retries = 0,
                    int64_t start_interval = 0) {
  HealthTiming t;
  t.interval = interval;
  t.start_period = start_period;
  t.retries = retries;
  t.start_interval = start_interval;
  return t;
}

TEST(HealthStateTest, DefaultsAreDockers) {
  HealthState h{HealthTiming{}};
  h.reset(0);
  EXPECT_EQ(h.status(), "starting");
  EXPECT_EQ(h.next_delay(0), 30 * kSecond);  // the first probe after one interval
  EXPECT_EQ(h.timeout(), 30 * kSecond);
  for (int i = 0; i < 2; ++i) h.record(result(1), 100 * kSecond);
  EXPECT_EQ(h.status(), "starting");
  h.record(result(1), 100 * kSecond);  // the third failure in a row
  EXPECT_EQ(h.status(), "unhealthy");
  EXPECT_EQ(h.failing_streak(), 3);
}

TEST(HealthStateTest, OneSuccessIsHealthyAndClearsTheStreak) {
  HealthState h{timing(200 * kMs, 0, 2)};
  h.reset(0);
  h.record(result(0), kSecond);
  EXPECT_EQ(h.status(), "healthy");
  h.record(result(1), 2 * kSecond);
  EXPECT_EQ(h.status(), "healthy");
  EXPECT_EQ(h.failing_streak(), 1);
  h.record(result(0), 3 * kSecond);
  EXPECT_EQ(h.failing_streak(), 0);
  h.record(result(1), 4 * kSecond);
  h.record(result(1), 5 * kSecond);
  EXPECT_EQ(h.status(), "unhealthy");
  h.record(result(0), 6 * kSecond);
  EXPECT_EQ(h.status(), "healthy");
}

TEST(HealthStateTest, AnyNonZeroExitIsAFailure) {
  HealthState h{timing(kSecond, 0, 1)};
  h.reset(0);
  h.record(result(2), kSecond);  // Docker reserves 2: still a failure
  EXPECT_EQ(h.status(), "unhealthy");
  HealthState t{timing(kSecond, 0, 1)};
  t.reset(0);
  t.record(result(-1, "Health check exceeded timeout (1s)"), kSecond);
  EXPECT_EQ(t.status(), "unhealthy");
}

TEST(HealthStateTest, FailuresInTheStartPeriodDoNotCount) {
  HealthState h{timing(100 * kMs, 2 * kSecond, 1)};
  h.reset(10 * kSecond);
  h.record(result(1), 10 * kSecond + 500 * kMs);
  h.record(result(1), 11 * kSecond + 999 * kMs);
  EXPECT_EQ(h.status(), "starting");
  EXPECT_EQ(h.failing_streak(), 0);
  EXPECT_EQ(h.log().size(), 2u);      // logged all the same
  h.record(result(1), 12 * kSecond);  // began as the period ended
  EXPECT_EQ(h.status(), "unhealthy");
}

TEST(HealthStateTest, ASuccessEndsTheStartPeriodsGrace) {
  HealthState h{timing(100 * kMs, 10 * kSecond, 1)};
  h.reset(0);
  h.record(result(0), kSecond);
  h.record(result(1), 2 * kSecond);
  EXPECT_EQ(h.status(), "unhealthy");
}

TEST(HealthStateTest, IntervalsFollowDockersGetInterval) {
  // No start period: the interval, from the start and after each probe.
  HealthState plain{timing(200 * kMs)};
  plain.reset(0);
  EXPECT_EQ(plain.next_delay(0), 200 * kMs);
  // Start period longer than the interval: the start interval (default 5 s) while starting.
  HealthState sp{timing(kSecond, 60 * kSecond)};
  sp.reset(0);
  EXPECT_EQ(sp.next_delay(0), 5 * kSecond);
  HealthState si{timing(kSecond, 60 * kSecond, 0, 100 * kMs)};
  si.reset(0);
  EXPECT_EQ(si.next_delay(0), 100 * kMs);
  si.record(result(0), 0);  // healthy: the interval again
  EXPECT_EQ(si.next_delay(kSecond), kSecond);
  // Less of the start period left than an interval: the next probe as it ends.
  HealthState end{timing(10 * kSecond, 3 * kSecond)};
  end.reset(0);
  EXPECT_EQ(end.next_delay(0), 3 * kSecond);
  EXPECT_EQ(end.next_delay(2 * kSecond), kSecond);
  EXPECT_EQ(end.next_delay(3 * kSecond), 10 * kSecond);
}

TEST(HealthStateTest, SubMillisecondIntervalsFromAnImageAreClamped) {
  HealthState h{timing(1)};
  h.reset(0);
  EXPECT_EQ(h.next_delay(0), kMs);
}

TEST(HealthStateTest, KeepsTheLastFiveResults) {
  HealthState h{timing(kSecond)};
  h.reset(0);
  for (int i = 0; i < 7; ++i) h.record(result(i == 6 ? 0 : 1, std::to_string(i)), kSecond);
  ASSERT_EQ(h.log().size(), 5u);
  EXPECT_EQ(h.log().front().output, "2");
  EXPECT_EQ(h.log().back().output, "6");
}

TEST(HealthStateTest, ResetKeepsTheLogAndClearsTheStreak) {
  HealthState h{timing(kSecond, 0, 1)};
  h.reset(0);
  h.record(result(1), kSecond);
  EXPECT_EQ(h.status(), "unhealthy");
  h.reset(5 * kSecond);
  EXPECT_EQ(h.status(), "starting");
  EXPECT_EQ(h.failing_streak(), 0);
  EXPECT_EQ(h.log().size(), 1u);
}

TEST(HealthStateTest, JsonIsDockersStateHealth) {
  HealthState h{timing(kSecond)};
  h.reset(0);
  EXPECT_EQ(h.json(), R"({"Status":"starting","FailingStreak":0,"Log":[]})");
  h.record(result(1, "bad \"x\"\n\x01\xff"), kSecond);
  EXPECT_EQ(h.json(),
            R"({"Status":"starting","FailingStreak":1,"Log":[{"Start":"2023-11-14T22:13:20.123Z",)"
            R"("End":"2023-11-14T22:13:20.5Z","ExitCode":1,"Output":"bad \"x\"\n\u0001\ufffd"}]})");
}

TEST(ProbeOutputTest, KeepsTheFirst4096BytesThenDots) {
  ProbeOutput o;
  o.append(std::string(4000, 'a'));
  EXPECT_EQ(o.text().size(), 4000u);
  o.append(std::string(96, 'b'));
  EXPECT_EQ(o.text(), std::string(4000, 'a') + std::string(96, 'b'));
  o.append("c");
  EXPECT_EQ(o.text(), std::string(4000, 'a') + std::string(96, 'b') + "...");
  o.append("more");
  EXPECT_EQ(o.text().size(), 4099u);
}

TEST(HealthTimingTest, RoundTripsAndRefusesJunk) {
  HealthTiming t = timing(1, 2, 3, 4);
  t.timeout = 5;
  HealthTiming back;
  ASSERT_TRUE(parse_health_timing(format_health_timing(t), &back));
  EXPECT_EQ(back.interval, 1);
  EXPECT_EQ(back.timeout, 5);
  EXPECT_EQ(back.start_period, 2);
  EXPECT_EQ(back.retries, 3);
  EXPECT_EQ(back.start_interval, 4);
  EXPECT_FALSE(parse_health_timing("1 2 3 4", &back));
  EXPECT_FALSE(parse_health_timing("1 2 3 4 -5", &back));
  EXPECT_FALSE(parse_health_timing("1 2 3 4 x", &back));
  EXPECT_FALSE(parse_health_timing("1 2 3 4 99999999999", &back));
}

}  // namespace
}  // namespace strata::container::monitor
