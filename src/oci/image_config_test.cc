// SPDX-License-Identifier: Apache-2.0
#include "oci/image_config.h"

#include <gtest/gtest.h>

namespace strata::oci {
namespace {

const std::string kDiff = "sha256:" + std::string(64, 'a');

// A valid config with `extra` spliced into its top-level object.
std::string config_with(const std::string& extra) {
  return R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[")" + kDiff +
         R"("]})" + (extra.empty() ? "" : "," + extra) + "}";
}

std::string error_of(const std::string& text) {
  auto c = parse_image_config(text);
  if (c.ok()) return "(parsed)";
  EXPECT_EQ(c.error().code(), Errc::kCorrupt);
  return c.error().message();
}

TEST(ImageConfigTest, ReadsTheContainerConfig) {
  auto c = parse_image_config(config_with(
      R"("config":{"User":"1000","Env":["A=1"],"Cmd":["sh"],"Entrypoint":null,
      "Labels":{"k":"v"},"ExposedPorts":{"80/tcp":{}},"Volumes":{"/data":{}},
      "WorkingDir":"/srv","StopSignal":"SIGTERM","OnBuild":null,"Unknown":[1,{}]})"));
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->config.user, "1000");
  EXPECT_EQ(c->config.env, std::vector<std::string>{"A=1"});
  EXPECT_EQ(c->config.cmd, std::vector<std::string>{"sh"});
  EXPECT_TRUE(c->config.entrypoint.empty());
  EXPECT_EQ(c->config.labels.at("k"), "v");
  EXPECT_EQ(c->config.exposed_ports, std::vector<std::string>{"80/tcp"});
  EXPECT_EQ(c->config.volumes, std::vector<std::string>{"/data"});
  EXPECT_EQ(c->config.working_dir, "/srv");
  // Unknown fields stay in the document, untouched.
  EXPECT_TRUE(c->doc["config"].contains("Unknown"));
}

TEST(ImageConfigTest, FieldsOfTheWrongTypeAreRefusedNamingThem) {
  EXPECT_EQ(error_of(config_with(R"("config":{"Cmd":"x"})")),
            "image config: config.Cmd: want an array of strings");
  EXPECT_EQ(error_of(config_with(R"("config":{"Env":5})")),
            "image config: config.Env: want an array of strings");
  EXPECT_EQ(error_of(config_with(R"("config":{"Env":["A=1",2]})")),
            "image config: config.Env: want an array of strings");
  EXPECT_EQ(error_of(config_with(R"("config":{"Labels":[]})")),
            "image config: config.Labels: want an object of strings");
  EXPECT_EQ(error_of(config_with(R"("config":{"Labels":{"a":1}})")),
            "image config: config.Labels: want an object of strings");
  EXPECT_EQ(error_of(config_with(R"("config":{"ExposedPorts":1})")),
            "image config: config.ExposedPorts: want an object");
  EXPECT_EQ(error_of(config_with(R"("config":{"Volumes":["/x"]})")),
            "image config: config.Volumes: want an object");
  EXPECT_EQ(error_of(config_with(R"("config":{"User":0})")),
            "image config: config.User: want a string");
  EXPECT_EQ(error_of(config_with(R"("config":{"WorkingDir":[]})")),
            "image config: config.WorkingDir: want a string");
  EXPECT_EQ(error_of(config_with(R"("config":{"Entrypoint":{}})")),
            "image config: config.Entrypoint: want an array of strings");
  EXPECT_EQ(error_of(config_with(R"("config":{"Healthcheck":"x"})")),
            "image config: config.Healthcheck: want an object");
  EXPECT_EQ(error_of(config_with(R"("config":"x")")), "image config: config: want an object");
  EXPECT_EQ(error_of(config_with(R"("created":5)")), "image config: created: want a string");
  EXPECT_EQ(error_of(config_with(R"("author":[])")), "image config: author: want a string");
  EXPECT_EQ(error_of(config_with(R"("history":{})")), "image config: history: want an array");
  EXPECT_EQ(error_of(config_with(R"("history":[5])")), "image config: history[0]: want an object");
  EXPECT_EQ(error_of(config_with(R"("history":[{"empty_layer":"yes"}])")),
            "image config: history[0]: empty_layer: want a boolean");
}

TEST(ImageConfigTest, RootfsIsCheckedNamingTheField) {
  auto with_rootfs = [](const std::string& rootfs) {
    return R"({"architecture":"amd64","os":"linux","rootfs":)" + rootfs + "}";
  };
  EXPECT_EQ(error_of(with_rootfs(R"({"type":"layers","diff_ids":{}})")),
            "image config: rootfs.diff_ids: want an array of digests");
  EXPECT_EQ(error_of(with_rootfs(R"({"type":"layers"})")),
            "image config: rootfs.diff_ids: missing");
  EXPECT_EQ(error_of(with_rootfs(R"({"type":"layers","diff_ids":[1]})")),
            "image config: rootfs.diff_ids[0]: want a string");
  EXPECT_EQ(error_of(with_rootfs(R"({"type":"\u001b[2J","diff_ids":[]})")),
            "image config: rootfs.type \"\\x1b[2J\": want \"layers\"");
  EXPECT_EQ(error_of(with_rootfs("[]")), "image config: rootfs: want an object");
  EXPECT_EQ(error_of("[]"), "image config: want a JSON object");
}

TEST(ImageConfigTest, CreatedMustBeAnRfc3339Time) {
  EXPECT_EQ(error_of(config_with(R"("created":"2024-99-99T99:99:99Z")")),
            "image config: created: \"2024-99-99T99:99:99Z\" is not an RFC 3339 time");
  EXPECT_EQ(error_of(config_with(R"("created":"2024-01-02T03:04:05.5Z")")), "(parsed)");
}

TEST(ImageConfigTest, NullMeansUnset) {
  auto c = parse_image_config(config_with(R"("config":null,"history":null,"created":null)"));
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_TRUE(c->config.cmd.empty());
  EXPECT_TRUE(c->history.empty());
}

}  // namespace
}  // namespace strata::oci
