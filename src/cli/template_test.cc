// SPDX-License-Identifier: Apache-2.0
// Go text/template behaviour, checked against what Go (and so Docker) prints.
#include "cli/template.h"

#include <gtest/gtest.h>

namespace strata::cli {
namespace {

std::string run(std::string_view text, const oci::Json& data, const TemplateOptions& o = {}) {
  auto t = Template::parse(text);
  if (!t.ok()) return "PARSE: " + t.error().message();
  auto r = t->execute(data, o);
  if (!r.ok()) return "EXEC: " + r.error().message();
  return *r;
}

const oci::Json& inspect() {
  static const oci::Json d = {
      {"Id", "abc"},
      {"Name", "/web"},
      {"RootFS", {{"Layers", {"sha256:1", "sha256:2"}}}},
      {"Config",
       {{"Cmd", {"sh", "-c", "echo hi"}},
        {"Env", {"A=1", "PATH=/bin"}},
        {"Labels", {{"b", "2"}, {"a", "1"}}},
        {"Tty", false}}},
      {"State", {{"Pid", 42}, {"Running", true}, {"ExitCode", 0}, {"Error", ""}}},
      {"Empty", oci::Json::array()},
      {"Nothing", nullptr},
      {"Ratio", 1.5}};
  return d;
}

TEST(TemplateTest, TextFieldsAndDot) {
  EXPECT_EQ(run("id={{.Id}} name={{ .Name }}", inspect()), "id=abc name=/web");
  EXPECT_EQ(run("{{.State.Pid}} {{.State.Running}} {{.Ratio}}", inspect()), "42 true 1.5");
  EXPECT_EQ(run("{{.}}", oci::Json("plain")), "plain");
  EXPECT_EQ(run("no actions", inspect()), "no actions");
}

TEST(TemplateTest, ValuesPrintLikeGo) {
  EXPECT_EQ(run("{{.Config.Cmd}}", inspect()), "[sh -c echo hi]");
  EXPECT_EQ(run("{{.Config.Labels}}", inspect()), "map[a:1 b:2]");
  EXPECT_EQ(run("{{.Nothing}}|{{.Empty}}|{{.Missing}}", inspect()), "<nil>|[]|<no value>");
  EXPECT_EQ(run("{{.Missing.Deeper}}", inspect()), "<no value>");
  EXPECT_EQ(run("{{1000000.0}} {{0.25}} {{123456.0}} {{1e-5}}", inspect()),
            "1e+06 0.25 123456 1e-05");
}

TEST(TemplateTest, TrimMarkers) {
  EXPECT_EQ(run("a  {{- .Id -}}  \n b", inspect()), "aabcb");
  EXPECT_EQ(run("{{.Id}} {{-3}}", inspect()), "abc -3");  // "-3" is a number, no trim
  EXPECT_EQ(run("x {{/* a comment */}} y", inspect()), "x  y");
  EXPECT_EQ(run("x {{- /* trimmed */ -}} y", inspect()), "xy");
}

TEST(TemplateTest, IndexSliceAndLen) {
  EXPECT_EQ(run("{{index .RootFS.Layers 0}}", inspect()), "sha256:1");
  EXPECT_EQ(run("{{index .Config.Labels \"b\"}}", inspect()), "2");
  EXPECT_EQ(run("{{index .Config.Labels \"zz\"}}", inspect()), "<nil>");
  EXPECT_EQ(run("{{index . \"Config\" \"Cmd\" 2}}", inspect()), "echo hi");
  EXPECT_EQ(run("{{slice .Config.Cmd 1}} {{slice .Id 1 2}}", inspect()), "[-c echo hi] b");
  EXPECT_EQ(run("{{len .Config.Cmd}} {{len .Config.Labels}} {{len .Id}}", inspect()), "3 2 3");
  EXPECT_EQ(run("{{index .RootFS.Layers 5}}", inspect()),
            "EXEC: template: :1:2: executing \"\" at <index .RootFS.Layers 5>: error calling "
            "index: index out of range: 5");
  EXPECT_EQ(run("{{len .State.Pid}}", inspect()),
            "EXEC: template: :1:2: executing \"\" at <len .State.Pid>: error calling len: len of "
            "type int");
}

TEST(TemplateTest, IfElseIfElse) {
  const char* t = "{{if eq .State.Pid 1}}one{{else if gt .State.Pid 40}}big{{else}}small{{end}}";
  EXPECT_EQ(run(t, inspect()), "big");
  EXPECT_EQ(run("{{if .Empty}}y{{else}}n{{end}}{{if .Config.Tty}}y{{end}}", inspect()), "n");
  EXPECT_EQ(run("{{if and .State.Running (not .Config.Tty)}}ok{{end}}", inspect()), "ok");
  EXPECT_EQ(run("{{or .Nothing .Empty \"fallback\"}} {{and 1 0 2}}", inspect()), "fallback 0");
  EXPECT_EQ(run("{{if ne .Name \"/db\"}}{{if le 1 1}}{{if ge 2 3}}x{{else}}y{{end}}{{end}}{{end}}",
                inspect()),
            "y");
  EXPECT_EQ(run("{{lt \"a\" \"b\"}} {{eq .Id \"x\" \"abc\"}} {{eq .Nothing nil}}", inspect()),
            "true true true");
}

TEST(TemplateTest, RangeWithVariablesAndElse) {
  EXPECT_EQ(run("{{range .Config.Env}}[{{.}}]{{end}}", inspect()), "[A=1][PATH=/bin]");
  EXPECT_EQ(run("{{range $i, $e := .Config.Cmd}}{{$i}}={{$e}} {{end}}", inspect()),
            "0=sh 1=-c 2=echo hi ");
  EXPECT_EQ(run("{{range $k, $v := .Config.Labels}}{{$k}}:{{$v}},{{end}}", inspect()), "a:1,b:2,");
  EXPECT_EQ(run("{{range .Empty}}x{{else}}none{{end}}", inspect()), "none");
  EXPECT_EQ(run("{{range .Config.Cmd}}{{if eq . \"-c\"}}{{continue}}{{end}}{{if eq . \"echo hi\"}}"
                "{{break}}{{end}}{{.}}{{end}}",
                inspect()),
            "sh");
  // $ is the data, whatever dot is.
  EXPECT_EQ(run("{{range .Config.Cmd}}{{$.Id}}{{end}}", inspect()), "abcabcabc");
}

TEST(TemplateTest, WithAndVariables) {
  EXPECT_EQ(run("{{with .State}}{{.Pid}}{{end}}", inspect()), "42");
  EXPECT_EQ(run("{{with .Missing}}x{{else}}{{.Id}}{{end}}", inspect()), "abc");
  EXPECT_EQ(run("{{$n := .Name}}{{$n}} {{$n = \"other\"}}{{$n}}", inspect()), "/web other");
  EXPECT_EQ(run("{{with $s := .State}}{{$s.Pid}}{{end}}", inspect()), "42");
  EXPECT_EQ(run("{{(index .RootFS.Layers 1)}} {{(.State).Pid}}", inspect()), "sha256:2 42");
}

TEST(TemplateTest, Pipelines) {
  EXPECT_EQ(run("{{.Name | printf \"%s!\"}}", inspect()), "/web!");
  EXPECT_EQ(run("{{join .Config.Cmd \" \" | upper}}", inspect()), "SH -C ECHO HI");
  EXPECT_EQ(run("{{.Config.Env | len | printf \"%d vars\"}}", inspect()), "2 vars");
}

TEST(TemplateTest, DockerFunctions) {
  EXPECT_EQ(run("{{json .Config.Labels}}", inspect()), R"({"b":"2","a":"1"})");
  EXPECT_EQ(run("{{json .Missing}} {{json .Id}}", inspect()), "null \"abc\"");
  EXPECT_EQ(run("{{join .Config.Cmd \",\"}}", inspect()), "sh,-c,echo hi");
  EXPECT_EQ(run("{{split \"a:b:c\" \":\"}} {{index (split .Name \"w\") 1}}", inspect()),
            "[a b c] eb");
  EXPECT_EQ(run("{{upper .Name}} {{lower \"ABC\"}} {{title \"hello big world\"}}", inspect()),
            "/WEB abc Hello Big World");
  EXPECT_EQ(
      run("{{truncate .Id 2}} {{truncate .Id 10}}|{{pad .Id 2 1}}|{{pad \"\" 3 3}}|", inspect()),
      "ab abc|  abc ||");
  EXPECT_EQ(run("{{println .Id 1}}{{print .Id 1 2 \"x\"}}", inspect()), "abc 1\nabc1 2x");
}

TEST(TemplateTest, Printf) {
  oci::Json d = {{"s", "hi"}, {"n", -42}, {"f", 3.14159}, {"b", true}, {"a", {"x", "y"}}};
  EXPECT_EQ(run("{{printf \"%s|%5s|%-4s|%.1s\" .s .s .s .s}}", d), "hi|   hi|hi  |h");
  EXPECT_EQ(run("{{printf \"%d|%5d|%05d|%x|%+d\" .n .n .n 255 7}}", d), "-42|  -42|-0042|ff|+7");
  EXPECT_EQ(run("{{printf \"%v %v %v %v\" .s .n .b .a}}", d), "hi -42 true [x y]");
  EXPECT_EQ(run("{{printf \"%q %q\" .s .a}}", d), "\"hi\" [\"x\" \"y\"]");
  EXPECT_EQ(run("{{printf \"%.2f %t %%\" .f .b}}", d), "3.14 true %");
  EXPECT_EQ(run("{{printf \"%d %s\" .s}}", d), "%!d(string=hi) %!s(MISSING)");
  EXPECT_EQ(run("{{printf \"%s\" .s 1}}", d), "hi%!(EXTRA int=1)");
}

TEST(TemplateTest, Literals) {
  EXPECT_EQ(run("{{\"a\\tb\"}} {{`raw\\n`}} {{'a'}} {{0x10}} {{true}} {{-1.5}}", inspect()),
            "a\tb raw\\n 97 16 true -1.5");
}

TEST(TemplateTest, StrictRootFieldsAndMethods) {
  TemplateOptions o;
  o.strict_fields = true;
  o.type_name = "*formatter.ContainerContext";
  o.methods["Label"] = [](const oci::Json& self,
                          const std::vector<oci::Json>& args) -> Result<oci::Json> {
    if (args.size() != 1 || !args[0].is_string())
      return Error::make(Errc::kInvalidArgument, "want one label name");
    return self["L"].value(args[0].get<std::string>(), "");
  };
  oci::Json row = {{"ID", "abc"}, {"L", {{"k", "v"}}}};
  EXPECT_EQ(run("{{.ID}} {{.Label \"k\"}}|{{.Label \"no\"}}|", row, o), "abc v||");
  EXPECT_EQ(run("{{.Nope}}", row, o),
            "EXEC: template: :1:2: executing \"\" at <.Nope>: can't evaluate field Nope in type "
            "*formatter.ContainerContext");
  EXPECT_EQ(run("x\n  {{.ID.Sub}}", row, o),
            "EXEC: template: :2:4: executing \"\" at <.ID.Sub>: can't evaluate field Sub in type "
            "string");
  EXPECT_EQ(run("{{.Label}}", row, o),
            "EXEC: template: :1:2: executing \"\" at <.Label>: error calling Label: want one label "
            "name");
  EXPECT_EQ(run("{{.ID \"x\"}}", row, o),
            "EXEC: template: :1:2: executing \"\" at <.ID>: ID is not a method but has arguments");
  EXPECT_EQ(run("{{.Nothing.Pid}}", inspect()),
            "EXEC: template: :1:2: executing \"\" at <.Nothing.Pid>: nil pointer evaluating "
            "interface {}.Pid");
}

TEST(TemplateTest, HeaderModePassesTitlesThrough) {
  TemplateOptions o;
  o.header = true;
  o.methods["Label"] = [](const oci::Json&, const std::vector<oci::Json>&) -> Result<oci::Json> {
    return oci::Json("unused");
  };
  oci::Json titles = {{"ID", "CONTAINER ID"}, {"Names", "NAMES"}, {"Label", "LABEL"}};
  EXPECT_EQ(
      run("{{.ID}}\t{{upper .Names}}\t{{json .Names}}\t{{.Label \"x\"}}\t{{.Other}}", titles, o),
      "CONTAINER ID\tNAMES\tNAMES\tLABEL\t");
}

TEST(TemplateTest, DataStringsAreEscapedTemplateTextIsNot) {
  oci::Json d = {{"x", "a\x1b[2Jb"}, {"l", {"p\x07", "q"}}};
  EXPECT_EQ(run("{{.x}}\n", d), "a\\x1b[2Jb\n");
  EXPECT_EQ(run("{{printf \"%s\\n\" .x}}", d), "a\\x1b[2Jb\n");
  EXPECT_EQ(run("{{join .l \"\\t\"}} {{.l}} {{upper .x}}", d), "p\\x07\tq [p\\x07 q] A\\x1b[2JB");
  EXPECT_EQ(run("{{json .x}}", d), "\"a\\u001b[2Jb\"");
}

TEST(TemplateTest, ParseErrorsSayWhatAndWhere) {
  EXPECT_EQ(run("{{.A", inspect()), "PARSE: template: :1:0: unclosed action");
  EXPECT_EQ(run("ok {{foo .A}}", inspect()), "PARSE: template: :1:5: function \"foo\" not defined");
  EXPECT_EQ(run("{{if .A}}x", inspect()), "PARSE: template: :1:10: unexpected EOF");
  EXPECT_EQ(run("{{end}}", inspect()), "PARSE: template: :1:0: unexpected {{end}}");
  EXPECT_EQ(run("{{$x}}", inspect()), "PARSE: template: :1:2: undefined variable \"$x\"");
  EXPECT_EQ(run("{{\"abc}}", inspect()), "PARSE: template: :1:2: unterminated quoted string");
  EXPECT_EQ(run("{{.A | 3}}", inspect()),
            "PARSE: template: :1:7: non executable command in pipeline stage 2");
  EXPECT_EQ(run("{{break}}", inspect()), "PARSE: template: :1:2: {{break}} outside {{range}}");
  EXPECT_EQ(run("{{define \"x\"}}{{end}}", inspect()),
            "PARSE: template: :1:2: {{define}} is not supported");
  EXPECT_EQ(run("{{}}", inspect()), "PARSE: template: :1:2: missing value for command");
  EXPECT_EQ(run("{{(.A}}", inspect()), "PARSE: template: :1:0: unclosed left paren");
}

TEST(TemplateTest, ExecErrorsNameTheNode) {
  EXPECT_EQ(run("{{range .Id}}{{end}}", inspect()),
            "EXEC: template: :1:8: executing \"\" at <.Id>: range can't iterate over abc");
  EXPECT_EQ(run("{{lt .Id 1}}", inspect()),
            "EXEC: template: :1:2: executing \"\" at <lt .Id 1>: error calling lt: incompatible "
            "types for comparison");
  EXPECT_EQ(run("{{upper 1}}", inspect()),
            "EXEC: template: :1:2: executing \"\" at <upper 1>: wrong type for value; expected "
            "string; got int");
  EXPECT_EQ(run("{{.Id 1 | len}}", inspect()),
            "EXEC: template: :1:2: executing \"\" at <.Id>: Id is not a method but has arguments");
  EXPECT_EQ(run("{{\"x\" 1}}", inspect()),
            "EXEC: template: :1:2: executing \"\" at <\"x\" 1>: can't give argument to "
            "non-function \"x\"");
}

}  // namespace
}  // namespace strata::cli
