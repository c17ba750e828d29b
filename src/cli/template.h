// SPDX-License-Identifier: Apache-2.0
// Go's text/template, as Docker's --format takes it, over JSON-shaped data: text and
// actions, {{- -}} trimming, fields (.A.B), variables ($x := ..., $), pipelines, if/else
// if/else, range (with $i, $v := and else, break, continue), with, literals, Go's
// builtins (and or not eq ne lt le gt ge len index slice print printf println) and
// Docker's (json join split upper lower title truncate pad). Values print as Go prints
// them: map[k:v], [a b], <nil>, <no value>. Strings from the data are escaped with
// printable() when they reach the output; the template's own text is not.
// Errors follow Go: "template: :1:2: executing "" at <.Foo>: can't evaluate field Foo
// in type T" (line and byte column of the node), parse errors with line and column.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "oci/json.h"
#include "util/result.h"

namespace strata::cli {

namespace tmpl {
struct Tree;
}

// A method of the root object, Docker's `{{.Label "k"}}`: gets the object and the call's
// arguments.
using TemplateMethod =
    std::function<Result<oci::Json>(const oci::Json& self, const std::vector<oci::Json>& args)>;

struct TemplateOptions {
  // The root object is a typed value (Docker's ps/images contexts): a missing field is
  // an error "can't evaluate field X in type <type_name>". Otherwise objects are maps and
  // a missing key prints "<no value>" (what `docker inspect` falls back to).
  bool strict_fields = false;
  std::string type_name = "map[string]interface {}";
  std::map<std::string, TemplateMethod> methods;
  // Rendering a table's header row from a field -> title map: Docker's header functions
  // (json, upper, join, ...) pass their first argument through, a missing field is "",
  // and a method prints the title stored under its name.
  bool header = false;
};

class Template {
 public:
  // kInvalidArgument "template: :1:5: function \"foo\" not defined" for bad syntax.
  static Result<Template> parse(std::string_view text);
  // kInvalidArgument with Go's "executing" message when the data does not fit.
  Result<std::string> execute(const oci::Json& data, const TemplateOptions& options = {}) const;

 private:
  std::shared_ptr<const tmpl::Tree> tree_;
};

}  // namespace strata::cli
