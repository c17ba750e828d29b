// SPDX-License-Identifier: Apache-2.0
#include "cli/output.h"

#include <gtest/gtest.h>

namespace strata::cli {
namespace {

TEST(TemplateTest, FieldsAndEscapes) {
  oci::Json d = {{"Repository", "busybox"}, {"Tag", "latest"}};
  EXPECT_EQ(render_template("{{.Repository}}:{{.Tag}}", d).value(), "busybox:latest");
  EXPECT_EQ(render_template("{{ .Repository }}\\t{{.Tag}}", d).value(), "busybox\tlatest");
}

TEST(TemplateTest, NestedValuesPrintLikeGo) {
  oci::Json d = {{"Config", {{"Cmd", {"/bin/sh", "-c", "x"}}, {"Env", nullptr}}}};
  EXPECT_EQ(render_template("{{.Config.Cmd}}", d).value(), "[/bin/sh -c x]");
  EXPECT_EQ(render_template("{{json .Config.Cmd}}", d).value(), R"(["/bin/sh","-c","x"])");
  EXPECT_EQ(render_template("{{.Config.Env}}", d).value(), "<nil>");
}

TEST(TemplateTest, ControlBytesFromAnImageAreEscaped) {
  // A history entry or label from an archive must not drive the terminal.
  oci::Json d = {{"CreatedBy", "RUN \x1b[2J\x1b]0;pwn\a"}, {"Labels", {{"k\x1b[2J", "v\x07"}}}};
  EXPECT_EQ(render_template("{{.CreatedBy}}", d).value(), "RUN \\x1b[2J\\x1b]0;pwn\\x07");
  EXPECT_EQ(render_template("{{.Labels}}", d).value(), "map[k\\x1b[2J:v\\x07]");
  // The format's own tabs and newlines stay.
  EXPECT_EQ(render_template("{{.CreatedBy}}\\n", {{"CreatedBy", "a"}}).value(), "a\n");
}

TEST(TemplateTest, UnknownFieldIsAnError) {
  auto r = render_template("{{.Nope}}", oci::Json::object());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "template: can't evaluate field Nope in .Nope");
  EXPECT_FALSE(render_template("{{.A", oci::Json::object()).ok());
}

TEST(TableTest, AlignsLikeDockerTabwriter) {
  Table t;
  t.add({"REPOSITORY", "TAG", "SIZE"});
  t.add({"a", "latest…", "1MB"});
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  t.print(f);
  std::fclose(f);
  EXPECT_EQ(std::string(buf, len),
            "REPOSITORY   TAG       SIZE\n"
            "a            latest…   1MB\n");
  free(buf);
}

}  // namespace
}  // namespace strata::cli
