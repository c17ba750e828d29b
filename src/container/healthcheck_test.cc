// SPDX-License-Identifier: Apache-2.0
#include "container/healthcheck.h"

#include <gtest/gtest.h>

namespace strata::container {
namespace {

std::string flags_error(HealthFlags f) {
  auto r = parse_health_flags(f);
  return r.ok() ? "ok" : r.error().message();
}

// Config.Healthcheck as create records it from the flags and the image's config.
std::string recorded(HealthFlags f, const char* image_config = "{}") {
  auto flags = parse_health_flags(f);
  EXPECT_TRUE(flags.ok()) << flags.error().message();
  oci::Json config = oci::Json::object();
  auto img = oci::parse_json(image_config, "image config");
  EXPECT_TRUE(img.ok());
  auto r = record_healthcheck(*flags, *img, config);
  if (!r.ok()) return "error: " + r.error().message();
  return oci::dump_json(config);
}

TEST(HealthFlagsTest, NoFlagsNoHealthcheck) {
  auto r = parse_health_flags({});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
  // Zero values are no settings, as in Docker's CLI.
  r = parse_health_flags({"", "0s", "0", "", "", "0", false});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
}

TEST(HealthFlagsTest, RecordsDockersHealthConfig) {
  EXPECT_EQ(recorded({"curl -f x", "200ms", "1s", "2s", "100ms", "4", false}),
            R"({"Healthcheck":{"Test":["CMD-SHELL","curl -f x"],"Interval":200000000,)"
            R"("Timeout":1000000000,"StartPeriod":2000000000,"StartInterval":100000000,)"
            R"("Retries":4}})");
  EXPECT_EQ(recorded({.none = true}), R"({"Healthcheck":{"Test":["NONE"]}})");
  EXPECT_EQ(recorded({}), "{}");
}

TEST(HealthFlagsTest, FlagsMergeWithTheImagesAsDockerdDoes) {
  const char* image = R"({"config":{"Healthcheck":{"Test":["CMD","/check"],"Interval":5000000000,)"
                      R"("Retries":7},"Shell":["/bin/ash","-c"]}})";
  // No flags: the image's, and its shell.
  EXPECT_EQ(recorded({}, image),
            R"({"Shell":["/bin/ash","-c"],"Healthcheck":{"Test":["CMD","/check"],)"
            R"("Interval":5000000000,"Retries":7}})");
  // An interval only: the image's test and retries stay.
  EXPECT_EQ(recorded({.interval = "1s"}, image),
            R"({"Shell":["/bin/ash","-c"],"Healthcheck":{"Test":["CMD","/check"],)"
            R"("Interval":1000000000,"Retries":7}})");
  // A command replaces the image's test.
  EXPECT_EQ(recorded({.cmd = "true"}, image),
            R"({"Shell":["/bin/ash","-c"],"Healthcheck":{"Test":["CMD-SHELL","true"],)"
            R"("Interval":5000000000,"Retries":7}})");
  // --no-healthcheck: NONE (dockerd fills the rest from the image all the same).
  EXPECT_EQ(recorded({.none = true}, image),
            R"({"Shell":["/bin/ash","-c"],"Healthcheck":{"Test":["NONE"],)"
            R"("Interval":5000000000,"Retries":7}})");
  // The image's NONE stays unless a command is given.
  const char* none = R"({"config":{"Healthcheck":{"Test":["NONE"]}}})";
  EXPECT_EQ(recorded({.interval = "1s"}, none),
            R"({"Healthcheck":{"Test":["NONE"],"Interval":1000000000}})");
}

TEST(HealthFlagsTest, BadValuesAreRefusedInDockersWords) {
  EXPECT_EQ(flags_error({.interval = "abc"}),
            R"(invalid argument "abc" for "--health-interval" flag: time: invalid duration "abc")");
  EXPECT_EQ(flags_error({.timeout = "5"}),
            R"(invalid argument "5" for "--health-timeout" flag: time: missing unit in )"
            R"(duration "5")");
  EXPECT_EQ(flags_error({.start_period = "1d"}),
            R"(invalid argument "1d" for "--health-start-period" flag: time: unknown unit "d" )"
            R"(in duration "1d")");
  EXPECT_EQ(flags_error({.retries = "x"}),
            R"(invalid argument "x" for "--health-retries" flag: strconv.ParseInt: parsing )"
            R"("x": invalid syntax)");
  EXPECT_EQ(flags_error({.retries = "99999999999"}),
            R"(invalid argument "99999999999" for "--health-retries" flag: strconv.ParseInt: )"
            R"(parsing "99999999999": value out of range)");
  EXPECT_EQ(flags_error({.interval = "-1s"}), "--health-interval cannot be negative");
  EXPECT_EQ(flags_error({.timeout = "-1s"}), "--health-timeout cannot be negative");
  EXPECT_EQ(flags_error({.retries = "-1"}), "--health-retries cannot be negative");
  EXPECT_EQ(flags_error({.start_period = "-1s"}), "--health-start-period cannot be negative");
  EXPECT_EQ(flags_error({.start_interval = "-1s"}), "--health-start-interval cannot be negative");
  EXPECT_EQ(flags_error({.cmd = "true", .none = true}),
            "--no-healthcheck conflicts with --health-* options");
  EXPECT_EQ(recorded({.interval = "500us"}),
            "error: Interval in Healthcheck cannot be less than 1ms");
  EXPECT_EQ(recorded({.timeout = "1ns"}), "error: Timeout in Healthcheck cannot be less than 1ms");
  EXPECT_EQ(recorded({.start_period = "999us"}),
            "error: StartPeriod in Healthcheck cannot be less than 1ms");
  EXPECT_EQ(recorded({.start_interval = "1us"}),
            "error: StartInterval in Healthcheck cannot be less than 1ms");
}

TEST(HealthFlagsTest, AnImagesBadHealthcheckIsAnError) {
  EXPECT_EQ(recorded({}, R"({"config":{"Healthcheck":{"Test":"true"}}})"),
            "error: image config: config.Healthcheck.Test: want an array of strings");
  EXPECT_EQ(recorded({}, R"({"config":{"Healthcheck":{"Interval":-5}}})"),
            "error: image config: config.Healthcheck.Interval: -5 is out of range (0 to "
            "9223372036854775807)");
  EXPECT_EQ(recorded({}, R"({"config":{"Healthcheck":{"Retries":"3"}}})"),
            "error: image config: config.Healthcheck.Retries: want an integer, got a string");
}

std::vector<std::string> probe(const char* config) {
  auto j = oci::parse_json(config, "config");
  EXPECT_TRUE(j.ok());
  auto r = probe_argv(*j);
  EXPECT_TRUE(r.ok()) << r.error().message();
  return r.ok() ? *r : std::vector<std::string>{"error"};
}

TEST(HealthProbeTest, ArgvOfEachForm) {
  using V = std::vector<std::string>;
  EXPECT_EQ(probe(R"({"Healthcheck":{"Test":["CMD","/bin/check","-q"]}})"),
            (V{"/bin/check", "-q"}));
  EXPECT_EQ(probe(R"({"Healthcheck":{"Test":["CMD-SHELL","exit 1"]}})"),
            (V{"/bin/sh", "-c", "exit 1"}));
  EXPECT_EQ(probe(R"({"Shell":["/bin/ash","-e","-c"],"Healthcheck":{"Test":["CMD-SHELL","x"]}})"),
            (V{"/bin/ash", "-e", "-c", "x"}));
  EXPECT_EQ(probe(R"({"Healthcheck":{"Test":["NONE"]}})"), V{});
  EXPECT_EQ(probe(R"({"Healthcheck":{"Test":["WHAT","x"]}})"), V{});  // dockerd ignores it
  EXPECT_EQ(probe(R"({"Healthcheck":{"Interval":1000000}})"), V{});
  EXPECT_EQ(probe(R"({})"), V{});
  auto j = oci::parse_json(R"({"Healthcheck":{"Test":["CMD"]}})", "config");
  auto r = probe_argv(*j);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "Config.Healthcheck.Test: CMD needs a command to run");
}

}  // namespace
}  // namespace strata::container
