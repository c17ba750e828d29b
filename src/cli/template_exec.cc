// SPDX-License-Identifier: Apache-2.0
// Runs a parsed template over JSON data, as Go's text/template executes one: dot, the
// variable stack ($ is the data), field chains, pipelines (each command's result is the
// next one's last argument), control nodes with break and continue.
#include <algorithm>

#include "cli/template.h"
#include "cli/template_internal.h"
#include "util/strings.h"

namespace strata::cli {

namespace tmpl {
namespace {

enum class Flow { kNormal, kBreak, kContinue };

class Exec {
 public:
  Exec(const Tree& tree, const TemplateOptions& o) : tree_(tree), o_(o) {}

  Result<std::string> run(const oci::Json& data) {
    Value dot{data, false, false, true};
    vars_.push_back({"$", dot});
    TRY(walk(tree_.root, dot));
    return std::move(out_);
  }

 private:
  Error fail(size_t pos, const std::string& at, const std::string& msg) const {
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("template: :{}: executing \"\" at <{}>: {}",
                                   location(tree_.source, pos), printable(at), msg));
  }

  Result<Flow> walk(const std::vector<Node>& list, const Value& dot) {
    for (const auto& n : list) {
      Flow f = TRY(walk_node(n, dot));
      if (f != Flow::kNormal) return f;
    }
    return Flow::kNormal;
  }

  Result<Flow> walk_node(const Node& n, const Value& dot) {
    switch (n.kind) {
      case Node::Kind::kText:
        out_ += n.text;
        return Flow::kNormal;
      case Node::Kind::kBreak:
        return Flow::kBreak;
      case Node::Kind::kContinue:
        return Flow::kContinue;
      case Node::Kind::kAction: {
        Value v = TRY(eval_pipeline(n.pipe, dot, true));
        if (n.pipe.vars.empty()) out_ += print(v);
        return Flow::kNormal;
      }
      case Node::Kind::kIf:
      case Node::Kind::kWith: {
        size_t mark = vars_.size();
        Value v = TRY(eval_pipeline(n.pipe, dot, true));
        bool yes = truthy(v);
        const Value& body_dot = n.kind == Node::Kind::kWith && yes ? v : dot;
        Flow f = TRY(walk(yes ? n.body : n.else_body, body_dot));
        vars_.resize(mark);
        return f;
      }
      case Node::Kind::kRange:
        return walk_range(n, dot);
    }
    return Flow::kNormal;
  }

  // One iteration's variables: $v, or $i, $v.
  void set_range_vars(const Pipeline& p, size_t mark, const Value& key, const Value& elem) {
    vars_.resize(mark);
    if (p.vars.size() == 1) vars_.push_back({p.vars[0], elem});
    if (p.vars.size() == 2) {
      vars_.push_back({p.vars[0], key});
      vars_.push_back({p.vars[1], elem});
    }
  }

  Result<Flow> walk_range(const Node& n, const Value& dot) {
    size_t mark = vars_.size();
    Value v = TRY(eval_pipeline(n.pipe, dot, false));
    std::vector<std::pair<Value, Value>> items;  // key, element
    const oci::Json& j = v.json;
    if (v.missing || j.is_null()) {
    } else if (j.is_array()) {
      for (size_t i = 0; i < j.size(); ++i) items.push_back({{oci::Json(i), false, true}, {j[i]}});
    } else if (j.is_object()) {
      std::vector<std::string> keys;
      for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
      std::sort(keys.begin(), keys.end());
      for (const auto& k : keys) items.push_back({{oci::Json(k)}, {j[k]}});
    } else if (j.is_number_integer()) {
      for (int64_t i = 0; i < j.get<int64_t>(); ++i)
        items.push_back({{oci::Json(i), false, true}, {oci::Json(i), false, true}});
    } else {
      return fail(n.pipe.pos, n.pipe.cmds.back().text,
                  fmt::format("range can't iterate over {}", go_print(v)));
    }
    Flow result = Flow::kNormal;
    for (const auto& [key, elem] : items) {
      set_range_vars(n.pipe, mark, key, elem);
      Flow f = TRY(walk(n.body, elem));
      if (f == Flow::kBreak) break;
    }
    vars_.resize(mark);
    if (items.empty()) result = TRY(walk(n.else_body, dot));
    vars_.resize(mark);
    return result;
  }

  std::string print(const Value& v) const {
    if (v.missing) return o_.header ? "" : "<no value>";
    return go_print(v);
  }

  Result<Value> eval_pipeline(const Pipeline& p, const Value& dot, bool declare) {
    std::optional<Value> final;
    for (const auto& c : p.cmds) final = TRY(eval_command(c, dot, final));
    Value v = std::move(*final);
    if (!declare || p.vars.empty()) return v;
    if (p.assign) {
      for (auto it = vars_.rbegin(); it != vars_.rend(); ++it)
        if (it->first == p.vars[0]) {
          it->second = v;
          break;
        }
    } else {
      vars_.push_back({p.vars[0], v});
    }
    return v;
  }

  Result<Value> eval_command(const Command& c, const Value& dot,
                             const std::optional<Value>& final) {
    const Operand& head = c.args[0];
    switch (head.kind) {
      case Operand::Kind::kIdentifier:
        return eval_function(c, dot, final);
      case Operand::Kind::kField:
        return eval_chain(dot, head, c, dot, final);
      case Operand::Kind::kVariable:
      case Operand::Kind::kPipeline:
        if (!head.fields.empty()) return eval_chain(TRY(eval_term(head, dot)), head, c, dot, final);
        break;
      default:
        break;
    }
    if (c.args.size() > 1 || final)
      return fail(c.pos, c.text, fmt::format("can't give argument to non-function {}", head.text));
    return eval_term(head, dot);
  }

  // The operand without its field chain.
  Result<Value> eval_term(const Operand& o, const Value& dot) {
    switch (o.kind) {
      case Operand::Kind::kDot:
      case Operand::Kind::kField:
        return dot;
      case Operand::Kind::kLiteral:
        return Value{o.literal, false, true};
      case Operand::Kind::kNil:
        return Value{nullptr, false, true};
      case Operand::Kind::kVariable:
        for (auto it = vars_.rbegin(); it != vars_.rend(); ++it)
          if (it->first == o.name) return it->second;
        return fail(o.pos, o.text, fmt::format("undefined variable: {}", o.name));
      case Operand::Kind::kPipeline:
        return eval_pipeline(*o.pipe, dot, true);
      case Operand::Kind::kIdentifier:
        return call(o.name, {}, o.pos, o.text);
    }
    return dot;
  }

  // An argument: a term and its fields, no call arguments.
  Result<Value> eval_arg(const Operand& o, const Value& dot) {
    Value v = TRY(eval_term(o, dot));
    for (const auto& f : o.fields) v = TRY(field(v, f, {}, o));
    return v;
  }

  Result<std::vector<Value>> eval_args(const Command& c, size_t from, const Value& dot,
                                       const std::optional<Value>& final) {
    std::vector<Value> args;
    for (size_t i = from; i < c.args.size(); ++i) args.push_back(TRY(eval_arg(c.args[i], dot)));
    if (final) args.push_back(*final);
    return args;
  }

  // recv.A.B..., the last field called with the command's other arguments.
  Result<Value> eval_chain(Value recv, const Operand& head, const Command& c, const Value& dot,
                           const std::optional<Value>& final) {
    auto args = TRY(eval_args(c, 1, dot, final));
    for (size_t i = 0; i < head.fields.size(); ++i) {
      bool last = i + 1 == head.fields.size();
      recv = TRY(field(recv, head.fields[i], last ? args : std::vector<Value>{}, head));
    }
    return recv;
  }

  Result<Value> field(const Value& recv, const std::string& name, const std::vector<Value>& args,
                      const Operand& at) {
    if (recv.root) {
      auto m = o_.methods.find(name);
      if (m != o_.methods.end()) {
        if (o_.header) return Value{recv.json.value(name, oci::Json("")), false, true};
        std::vector<oci::Json> plain;
        for (const auto& a : args) plain.push_back(a.json);
        auto r = m->second(recv.json, plain);
        if (!r.ok())
          return fail(at.pos, at.text,
                      fmt::format("error calling {}: {}", name, r.error().message()));
        return Value{std::move(*r)};
      }
    }
    if (!args.empty())
      return fail(at.pos, at.text, fmt::format("{} is not a method but has arguments", name));
    if (recv.missing) return recv;
    const oci::Json& j = recv.json;
    if (j.is_null())
      return fail(at.pos, at.text, fmt::format("nil pointer evaluating interface {{}}.{}", name));
    if (j.is_object()) {
      auto it = j.find(name);
      if (it != j.end()) return Value{*it};
      if (recv.root && o_.strict_fields && !o_.header)
        return fail(at.pos, at.text,
                    fmt::format("can't evaluate field {} in type {}", name, o_.type_name));
      return Value{nullptr, true};
    }
    return fail(at.pos, at.text,
                fmt::format("can't evaluate field {} in type {}", name, go_type(recv)));
  }

  Result<Value> eval_function(const Command& c, const Value& dot,
                              const std::optional<Value>& final) {
    const std::string& name = c.args[0].name;
    if (name == "and" || name == "or") return eval_and_or(c, dot, final);
    auto args = TRY(eval_args(c, 1, dot, final));
    return call(name, args, c.pos, c.text);
  }

  Result<Value> call(const std::string& name, const std::vector<Value>& args, size_t pos,
                     const std::string& text) {
    auto r = call_function(name, args, o_.header);
    if (!r.ok()) return fail(pos, text, r.error().message());
    return std::move(*r);
  }

  // Go 1.18's and/or: stop at the first false (and) or true (or) argument, unevaluated rest.
  Result<Value> eval_and_or(const Command& c, const Value& dot, const std::optional<Value>& final) {
    size_t n = c.args.size() - 1 + (final ? 1 : 0);
    if (n == 0)
      return fail(
          c.pos, c.text,
          fmt::format("wrong number of args for {}: want at least 1 got 0", c.args[0].name));
    bool is_and = c.args[0].name == "and";
    Value v;
    for (size_t i = 1; i <= n; ++i) {
      v = i < c.args.size() ? TRY(eval_arg(c.args[i], dot)) : *final;
      if (truthy(v) != is_and) return v;
    }
    return v;
  }

  const Tree& tree_;
  const TemplateOptions& o_;
  std::vector<std::pair<std::string, Value>> vars_;
  std::string out_;
};

}  // namespace
}  // namespace tmpl

Result<Template> Template::parse(std::string_view text) {
  Template t;
  t.tree_ = std::make_shared<const tmpl::Tree>(TRY(tmpl::parse_tree(text)));
  return t;
}

Result<std::string> Template::execute(const oci::Json& data, const TemplateOptions& options) const {
  return tmpl::Exec(*tree_, options).run(data);
}

}  // namespace strata::cli
