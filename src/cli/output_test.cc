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

TEST(TemplateTest, UnknownFieldPrintsNoValueLikeDockerInspect) {
  EXPECT_EQ(render_template("{{.Nope}}", oci::Json::object()).value(), "<no value>");
  EXPECT_EQ(render_template("json", {{"A", 1}}).value(), R"({"A":1})");
  EXPECT_FALSE(render_template("{{.A", oci::Json::object()).ok());
}

std::string formatted(std::string_view format, const std::vector<oci::Json>& rows,
                      const Listing& how) {
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  auto r = print_formatted(format, rows, how, f);
  std::fclose(f);
  std::string out(buf, len);
  free(buf);
  return r.ok() ? out : "ERROR: " + r.error().message();
}

TEST(PrintFormattedTest, TableJsonAndPlain) {
  Listing how;
  how.headers = {{"ID", "IMAGE ID"}, {"Tag", "TAG"}};
  how.type_name = "*formatter.ImageContext";
  how.default_table = "table {{.ID}}\t{{.Tag}}";
  std::vector<oci::Json> rows = {{{"ID", "abc"}, {"Tag", "latest"}},
                                 {{"ID", "abcdefabcdef"}, {"Tag", "1"}}};
  EXPECT_EQ(formatted("table {{.ID}}\t{{.Tag}}", rows, how),
            "IMAGE ID       TAG\n"
            "abc            latest\n"
            "abcdefabcdef   1\n");
  EXPECT_EQ(formatted("table", rows, how), formatted("table {{.ID}}\t{{.Tag}}", rows, how));
  EXPECT_EQ(formatted("json", rows, how),
            "{\"ID\":\"abc\",\"Tag\":\"latest\"}\n{\"ID\":\"abcdefabcdef\",\"Tag\":\"1\"}\n");
  EXPECT_EQ(formatted("{{.Tag}}", rows, how), "latest\n1\n");
  EXPECT_EQ(formatted("{{.Nope}}", rows, how),
            "ERROR: template: :1:2: executing \"\" at <.Nope>: can't evaluate field Nope in type "
            "*formatter.ImageContext");
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
