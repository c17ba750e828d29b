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

TEST(ChangeTest, ExposeRefusesOutOfRangePortsNamingThem) {
  // std::stoul threw std::out_of_range here and aborted the process.
  Json cfg = Json::object();
  auto huge = apply_change(cfg, "EXPOSE 99999999999999999999999");
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().code(), Errc::kInvalidArgument);
  EXPECT_EQ(huge.error().message(),
            "--change \"EXPOSE 99999999999999999999999\": invalid port "
            "\"99999999999999999999999\": want 1-65535 or a range of them");
  for (const char* bad : {"EXPOSE 0", "EXPOSE 65536", "EXPOSE -1", "EXPOSE 80/icmp", "EXPOSE 9-3",
                          "EXPOSE 80-", "EXPOSE +80", "EXPOSE 80/"})
    EXPECT_FALSE(apply_change(cfg, bad).ok()) << bad;
  EXPECT_FALSE(cfg.contains("ExposedPorts") && !cfg["ExposedPorts"].empty());
}

TEST(ChangeTest, ExposeRefusesMorePortsThanAConfigObjectMayHold) {
  // EXPOSE 1-65535 made an object that took Json's linear member search 45 s to build and
  // as long to read back (the fuzzer's timeout).
  Json cfg = apply_all({"EXPOSE 1-10000"});
  EXPECT_EQ(cfg["ExposedPorts"].size(), kMaxJsonMembers);
  EXPECT_TRUE(parse_json(dump_json(cfg), "config").ok());
  auto more = apply_change(cfg, "EXPOSE 20000/udp");
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.error().message(),
            "--change \"EXPOSE 20000/udp\": \"20000/udp\": more than 10000 exposed ports in all");
  Json fresh = Json::object();
  EXPECT_FALSE(apply_change(fresh, "EXPOSE 1-65535").ok());
}

TEST(ChangeTest, ExposeTakesRangesAsDockerDoes) {
  Json cfg = apply_all({"EXPOSE 65535 8000-8002/udp"});
  EXPECT_EQ(dump_json(cfg["ExposedPorts"]),
            R"({"65535/tcp":{},"8000/udp":{},"8001/udp":{},"8002/udp":{}})");
}

TEST(ChangeTest, ControlBytesInTheInstructionAreEscaped) {
  Json cfg = Json::object();
  auto r = apply_change(cfg, "\x1b[31mBOGUS x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message().find('\x1b'), std::string::npos);
  EXPECT_TRUE(r.error().message().starts_with(
      "--change \"\\x1b[31mBOGUS x\": unknown instruction \\x1b[31MBOGUS (want"))
      << r.error().message();
}

TEST(ChangeTest, AFieldOfTheWrongTypeIsAnErrorNotAnException) {
  Json cfg = {{"Env", {"A=1", 5}}, {"Labels", "x"}, {"OnBuild", 3}};
  EXPECT_EQ(apply_change(cfg, "ENV B=2").error().message(),
            "--change \"ENV B=2\": config Env holds a value that is not a string");
  EXPECT_EQ(apply_change(cfg, "LABEL a=b").error().message(),
            "--change \"LABEL a=b\": config Labels is not an object");
  EXPECT_FALSE(apply_change(cfg, "ONBUILD RUN x").ok());
}

TEST(ChangeTest, HealthcheckAsBuildKitParsesIt) {
  EXPECT_EQ(dump_json(apply_all({"HEALTHCHECK CMD curl -f http://x/ || exit 1"})),
            R"({"Healthcheck":{"Test":["CMD-SHELL","curl -f http://x/ || exit 1"]}})");
  EXPECT_EQ(dump_json(apply_all({R"(HEALTHCHECK --interval=5s --timeout=1.5s --start-period=1m )"
                                 R"(--start-interval=200ms --retries=4 cmd ["/bin/true", "-q"])"})),
            R"({"Healthcheck":{"Test":["CMD","/bin/true","-q"],"Interval":5000000000,)"
            R"("Timeout":1500000000,"StartPeriod":60000000000,"StartInterval":200000000,)"
            R"("Retries":4}})");
  EXPECT_EQ(dump_json(apply_all({"HEALTHCHECK --interval=0s --retries=0 CMD true"})),
            R"({"Healthcheck":{"Test":["CMD-SHELL","true"]}})");
  EXPECT_EQ(dump_json(apply_all({"HEALTHCHECK CMD true", "healthcheck none"})),
            R"({"Healthcheck":{"Test":["NONE"]}})");
}

TEST(ChangeTest, HealthcheckErrorsAreBuildKits) {
  auto error_of = [](const char* change) {
    Json cfg = Json::object();
    auto r = apply_change(cfg, change);
    EXPECT_EQ(dump_json(cfg), "{}") << change;
    return r.ok() ? std::string("ok") : r.error().message();
  };
  EXPECT_EQ(error_of("HEALTHCHECK NONE x"),
            R"(--change "HEALTHCHECK NONE x": HEALTHCHECK NONE takes no arguments)");
  EXPECT_EQ(error_of("HEALTHCHECK RUN x"),
            R"(--change "HEALTHCHECK RUN x": Unknown type "RUN" in HEALTHCHECK (try CMD))");
  EXPECT_EQ(error_of("HEALTHCHECK CMD"),
            R"(--change "HEALTHCHECK CMD": Missing command after HEALTHCHECK CMD)");
  EXPECT_EQ(error_of("HEALTHCHECK CMD []"),
            R"(--change "HEALTHCHECK CMD []": Missing command after HEALTHCHECK CMD)");
  EXPECT_EQ(error_of("HEALTHCHECK --interval=abc CMD true"),
            R"(--change "HEALTHCHECK --interval=abc CMD true": time: invalid duration "abc")");
  EXPECT_EQ(error_of("HEALTHCHECK --timeout=500us CMD true"),
            R"(--change "HEALTHCHECK --timeout=500us CMD true": Interval "timeout" cannot be )"
            R"(less than 1ms)");
  EXPECT_EQ(error_of("HEALTHCHECK --interval=-1s CMD true"),
            R"(--change "HEALTHCHECK --interval=-1s CMD true": Interval "interval" cannot be )"
            R"(less than 1ms)");
  EXPECT_EQ(error_of("HEALTHCHECK --retries=-1 CMD true"),
            R"(--change "HEALTHCHECK --retries=-1 CMD true": --retries cannot be negative (-1))");
  EXPECT_EQ(error_of("HEALTHCHECK --retries=x CMD true"),
            R"(--change "HEALTHCHECK --retries=x CMD true": strconv.ParseInt: parsing "x": )"
            R"(invalid syntax)");
  EXPECT_EQ(error_of("HEALTHCHECK --retries=9999999999 CMD true"),
            R"(--change "HEALTHCHECK --retries=9999999999 CMD true": strconv.ParseInt: parsing )"
            R"("9999999999": value out of range)");
  EXPECT_EQ(error_of("HEALTHCHECK --bogus=1 CMD true"),
            R"(--change "HEALTHCHECK --bogus=1 CMD true": Unknown flag: bogus)");
  EXPECT_EQ(error_of("HEALTHCHECK --interval CMD true"),
            R"(--change "HEALTHCHECK --interval CMD true": Missing a value on flag: interval)");
}

}  // namespace
}  // namespace strata::oci
