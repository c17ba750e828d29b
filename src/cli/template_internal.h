// SPDX-License-Identifier: Apache-2.0
// The parsed form of a template (template_parse.cc builds it, template_exec.cc runs it)
// and the value model they share with the functions (template_funcs.cc). Positions are
// byte offsets into the template's text, for Go's "line:column" in errors.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "oci/json.h"
#include "util/result.h"

namespace strata::cli::tmpl {

// A value during execution. `missing` is Go's invalid value (a map key that is not
// there; prints "<no value>"). `trusted` marks text made by the template itself or
// already escaped (literals, function results): data strings are escaped on output.
struct Value {
  oci::Json json;
  bool missing = false;
  bool trusted = false;
  bool root = false;  // the data the template runs on: its methods apply
};

struct Pipeline;

// One operand of a command.
struct Operand {
  enum class Kind { kDot, kField, kVariable, kIdentifier, kLiteral, kNil, kPipeline };
  Kind kind = Kind::kDot;
  std::string name;                 // variable ("$x", "$") or function name
  std::vector<std::string> fields;  // .A.B after the term (for kField: the whole chain)
  oci::Json literal;                // kLiteral: a string, number or bool
  std::shared_ptr<Pipeline> pipe;   // kPipeline: (...)
  size_t pos = 0;
  std::string text;  // source, for "at <...>"
};

struct Command {
  std::vector<Operand> args;
  size_t pos = 0;
  std::string text;
};

struct Pipeline {
  std::vector<std::string> vars;  // declared or assigned variables
  bool assign = false;            // `=` rather than `:=`
  std::vector<Command> cmds;
  size_t pos = 0;
};

struct Node {
  enum class Kind { kText, kAction, kIf, kRange, kWith, kBreak, kContinue };
  Kind kind = Kind::kText;
  std::string text;  // kText
  Pipeline pipe;     // action, if, range, with
  std::vector<Node> body, else_body;
  size_t pos = 0;
};

struct Tree {
  std::string source;
  std::vector<Node> root;
};

Result<Tree> parse_tree(std::string_view text);

// Go's "line:column" of a byte offset: line from 1, column in bytes from 0.
std::string location(const std::string& source, size_t pos);

// Functions, by name; `header` gives Docker's header-row variants.
bool is_function(std::string_view name);
Result<Value> call_function(std::string_view name, const std::vector<Value>& args, bool header);

// Go's fmt.Sprint of one value (%v): strings as they are (data strings escaped).
std::string go_print(const Value& v);
// Go's type name of a value, for error messages.
std::string go_type(const Value& v);
// Go's truth: false, 0, nil, "" and empty arrays or maps are false.
bool truthy(const Value& v);

}  // namespace strata::cli::tmpl
