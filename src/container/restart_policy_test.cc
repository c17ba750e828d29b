// SPDX-License-Identifier: Apache-2.0
#include "container/restart_policy.h"

#include <gtest/gtest.h>

#include "testutil/testutil.h"

namespace strata::container {
namespace {

std::string error_of(std::string_view text) {
  auto r = parse_restart_policy(text);
  if (r.ok()) return "ok";
  EXPECT_EQ(r.error().code(), Errc::kInvalidArgument);
  return r.error().message();
}

TEST(RestartPolicyTest, ParsesDockerSpellings) {
  EXPECT_EQ(MUST(parse_restart_policy("")), (RestartPolicy{RestartMode::kNo, 0}));
  EXPECT_EQ(MUST(parse_restart_policy("no")), (RestartPolicy{RestartMode::kNo, 0}));
  EXPECT_EQ(MUST(parse_restart_policy("always")), (RestartPolicy{RestartMode::kAlways, 0}));
  EXPECT_EQ(MUST(parse_restart_policy("unless-stopped")),
            (RestartPolicy{RestartMode::kUnlessStopped, 0}));
  EXPECT_EQ(MUST(parse_restart_policy("on-failure")), (RestartPolicy{RestartMode::kOnFailure, 0}));
  EXPECT_EQ(MUST(parse_restart_policy("on-failure:3")),
            (RestartPolicy{RestartMode::kOnFailure, 3}));
  EXPECT_EQ(MUST(parse_restart_policy("on-failure:+2")),
            (RestartPolicy{RestartMode::kOnFailure, 2}));
  // A count of 0 is "no count" for every policy; an empty count is no count.
  EXPECT_EQ(MUST(parse_restart_policy("always:0")), (RestartPolicy{RestartMode::kAlways, 0}));
  EXPECT_EQ(MUST(parse_restart_policy("on-failure:")), (RestartPolicy{RestartMode::kOnFailure, 0}));
}

TEST(RestartPolicyTest, RefusesWithDockerErrors) {
  EXPECT_EQ(error_of("bogus"),
            "invalid restart policy: unknown policy 'bogus'; use one of 'no', 'always', "
            "'on-failure', or 'unless-stopped'");
  EXPECT_EQ(error_of("on-failure:-1"),
            "invalid restart policy: maximum retry count cannot be negative");
  EXPECT_EQ(error_of("always:3"),
            "invalid restart policy: maximum retry count can only be used with 'on-failure'");
  EXPECT_EQ(error_of("unless-stopped:-2"),
            "invalid restart policy: maximum retry count can only be used with 'on-failure' and "
            "cannot be negative");
  EXPECT_EQ(error_of("no:1"),
            "invalid restart policy: maximum retry count can only be used with 'on-failure'");
  EXPECT_EQ(error_of("on-failure:x"),
            "invalid restart policy format: maximum retry count must be an integer");
  EXPECT_EQ(error_of("on-failure:1:2"),
            "invalid restart policy format: maximum retry count must be an integer");
  EXPECT_EQ(error_of("on-failure:99999999999"),
            "invalid restart policy format: maximum retry count must be an integer");
  EXPECT_EQ(error_of(":3"), "invalid restart policy format: no policy provided before colon");
  // The CLI's format check comes before the daemon's name check, as in Docker.
  EXPECT_EQ(error_of("bogus:x"),
            "invalid restart policy format: maximum retry count must be an integer");
}

TEST(RestartPolicyTest, RecordedFormRoundTrips) {
  for (const char* text : {"no", "always", "unless-stopped", "on-failure", "on-failure:7"}) {
    RestartPolicy p = MUST(parse_restart_policy(text));
    EXPECT_EQ(format_restart_policy(p), text);
    EXPECT_EQ(MUST(restart_policy_of(restart_mode_name(p.mode), p.max_retries)), p);
  }
  EXPECT_EQ(MUST(restart_policy_of("", 0)), RestartPolicy{});
  EXPECT_EQ(restart_policy_of("sometimes", 0).error().code(), Errc::kCorrupt);
  EXPECT_EQ(restart_policy_of("on-failure", -1).error().code(), Errc::kCorrupt);
}

TEST(RestartPolicyTest, ShouldRestartAsDocker) {
  RestartPolicy no{}, always{RestartMode::kAlways, 0}, unless{RestartMode::kUnlessStopped, 0};
  RestartPolicy on_failure{RestartMode::kOnFailure, 0}, twice{RestartMode::kOnFailure, 2};
  RunEnd ok{0, 0, false, false}, failed{3, 0, false, false};
  EXPECT_FALSE(should_restart(no, failed));
  EXPECT_TRUE(should_restart(always, ok));
  EXPECT_TRUE(should_restart(unless, ok));
  EXPECT_FALSE(should_restart(on_failure, ok));
  EXPECT_TRUE(should_restart(on_failure, RunEnd{1, 1000, false, false}));  // no limit
  // on-failure:2 of `exit 3`: two restarts, then it stays exited with RestartCount 2.
  EXPECT_TRUE(should_restart(twice, RunEnd{3, 0, false, false}));
  EXPECT_TRUE(should_restart(twice, RunEnd{3, 1, false, false}));
  EXPECT_FALSE(should_restart(twice, RunEnd{3, 2, false, false}));
  // A user stop cancels every policy; a manual kill with another signal stops only
  // unless-stopped (Docker's HasBeenManuallyStopped).
  for (const auto& p : {always, unless, on_failure})
    EXPECT_FALSE(should_restart(p, RunEnd{137, 0, true, true}));
  EXPECT_TRUE(should_restart(always, RunEnd{1, 0, false, true}));
  EXPECT_FALSE(should_restart(unless, RunEnd{1, 0, false, true}));
  EXPECT_TRUE(should_restart(on_failure, RunEnd{1, 0, false, true}));
}

TEST(RestartPolicyTest, WhatComesBackAtBoot) {
  RestartPolicy always{RestartMode::kAlways, 0}, unless{RestartMode::kUnlessStopped, 0};
  RestartPolicy twice{RestartMode::kOnFailure, 2};
  RunEnd crashed{255, 0, false, false}, stopped{143, 0, false, true};
  EXPECT_TRUE(starts_at_boot(always, crashed));
  EXPECT_TRUE(starts_at_boot(always, stopped));  // Docker: always comes back at daemon start
  EXPECT_TRUE(starts_at_boot(unless, crashed));
  EXPECT_FALSE(starts_at_boot(unless, stopped));
  EXPECT_TRUE(starts_at_boot(twice, crashed));
  EXPECT_FALSE(starts_at_boot(twice, stopped));
  EXPECT_FALSE(starts_at_boot(twice, RunEnd{0, 0, false, false}));  // ended cleanly
  EXPECT_FALSE(starts_at_boot(twice, RunEnd{3, 2, false, false}));  // gave up
  EXPECT_FALSE(starts_at_boot(RestartPolicy{}, crashed));
}

TEST(RestartBackoffTest, DoublesFrom100msUpToAMinute) {
  RestartBackoff b;
  std::vector<int64_t> got;
  for (int i = 0; i < 12; ++i) got.push_back(b.next_delay_ms(50));
  EXPECT_EQ(got, (std::vector<int64_t>{100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200,
                                       60000, 60000}));
}

TEST(RestartBackoffTest, ARunOfTenSecondsResetsTheDelay) {
  RestartBackoff b;
  EXPECT_EQ(b.next_delay_ms(0), 100);
  EXPECT_EQ(b.next_delay_ms(9'999), 200);
  EXPECT_EQ(b.next_delay_ms(9'999), 400);
  EXPECT_EQ(b.next_delay_ms(10'000), 100);
  EXPECT_EQ(b.next_delay_ms(1), 200);
}

}  // namespace
}  // namespace strata::container
