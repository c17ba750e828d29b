// SPDX-License-Identifier: Apache-2.0
#include "oci/change.h"

#include <gtest/gtest.h>

namespace strata::oci {
namespace {

Json apply_all(std::initializer_list<const char*> changes) {
  Json cfg = Json::object();
  for (const char* c : changes) {
    auto r = apply_change(cfg, c);
    EXPECT_TRUE(r.ok()) << c << ": " << r.error().message();
  }
  return cfg;
}

TEST(ChangeTest, CmdExecAndShellForms) {
  EXPECT_EQ(dump_json(apply_all({R"(CMD ["/bin/sh"])"})), R"({"Cmd":["/bin/sh"]})");
  EXPECT_EQ(dump_json(apply_all({"CMD echo hi"})), R"({"Cmd":["/bin/sh","-c","echo hi"]})");
  EXPECT_EQ(dump_json(apply_all({R"(entrypoint ["/init"])"})), R"({"Entrypoint":["/init"]})");
}

TEST(ChangeTest, EnvFormsAndReplacement) {
  Json cfg = apply_all({"ENV A=1 B=\"two words\"", "ENV C 3", "ENV A=9"});
  EXPECT_EQ(dump_json(cfg["Env"]), R"(["B=two words","C=3","A=9"])");
}

TEST(ChangeTest, ExposeLabelsVolumesUserWorkdir) {
  Json cfg = apply_all(
      {"EXPOSE 80 53/udp", "LABEL a=b", "VOLUME /data", "USER 1000:1000", "WORKDIR /srv"});
  EXPECT_TRUE(cfg["ExposedPorts"].contains("80/tcp"));
  EXPECT_TRUE(cfg["ExposedPorts"].contains("53/udp"));
  EXPECT_EQ(cfg["Labels"]["a"], "b");
  EXPECT_TRUE(cfg["Volumes"].contains("/data"));
  EXPECT_EQ(cfg["User"], "1000:1000");
  EXPECT_EQ(cfg["WorkingDir"], "/srv");
}

TEST(ChangeTest, ErrorsNameTheInstruction) {
  Json cfg = Json::object();
  auto r = apply_change(cfg, "RUN make");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message().substr(0, 44), "--change \"RUN make\": unknown instruction RUN");
  EXPECT_FALSE(apply_change(cfg, "EXPOSE http").ok());
  EXPECT_FALSE(apply_change(cfg, "CMD").ok());
  EXPECT_FALSE(apply_change(cfg, "ENV A=\"open").ok());
}

}  // namespace
}  // namespace strata::oci
