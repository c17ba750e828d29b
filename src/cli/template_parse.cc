// SPDX-License-Identifier: Apache-2.0
// Lexer and parser of Go's text/template: the text becomes a Tree of text, action, if,
// range and with nodes. Functions and variables are checked here, as Go does, so an
// unknown function is an error before anything runs.
#include <cstdlib>

#include "cli/template_internal.h"
#include "util/strings.h"

namespace strata::cli::tmpl {

namespace {

enum class Tok {
  kText,
  kLeft,      // {{
  kRight,     // }}
  kField,     // .Name
  kDot,       // .
  kVariable,  // $ or $name
  kIdent,     // function name or keyword
  kString,    // "..." or `...` (value already unquoted)
  kNumber,    // 12, -3, 1.5, 0x1f, 'a'
  kPipe,      // |
  kLParen,    // (
  kRParen,    // )
  kDeclare,   // :=
  kAssign,    // =
  kComma,     // ,
  kEof,
};

struct Token {
  Tok kind;
  std::string text;  // source text (unquoted value for strings)
  size_t pos = 0;
  bool space_before = false;
};

Error syntax_error(const std::string& src, size_t pos, const std::string& msg) {
  return Error::make(Errc::kInvalidArgument,
                     fmt::format("template: :{}: {}", location(src, pos), msg));
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

class Lexer {
 public:
  explicit Lexer(const std::string& src) : s_(src) {}

  Result<std::vector<Token>> run() {
    while (i_ < s_.size()) TRY(lex_text());
    out_.push_back({Tok::kEof, "", s_.size(), false});
    return std::move(out_);
  }

 private:
  // Text up to the next {{; handles {{- trimming of the text before it and comments.
  Result<void> lex_text() {
    size_t open = s_.find("{{", i_);
    std::string text = s_.substr(i_, open == std::string::npos ? std::string::npos : open - i_);
    if (trim_next_) {
      size_t k = 0;
      while (k < text.size() && is_space(text[k])) ++k;
      text.erase(0, k);
      trim_next_ = false;
    }
    if (open == std::string::npos) {
      if (!text.empty()) out_.push_back({Tok::kText, text, i_, false});
      i_ = s_.size();
      return {};
    }
    size_t inner = open + 2;
    if (s_.compare(inner, 1, "-") == 0 && inner + 1 < s_.size() && is_space(s_[inner + 1])) {
      while (!text.empty() && is_space(text.back())) text.pop_back();
      inner += 2;
    }
    if (!text.empty()) out_.push_back({Tok::kText, text, i_, false});
    i_ = inner;
    while (i_ < s_.size() && is_space(s_[i_])) ++i_;
    if (s_.compare(i_, 2, "/*") == 0) return lex_comment(open);
    out_.push_back({Tok::kLeft, "{{", open, false});
    return lex_action(open);
  }

  Result<void> lex_comment(size_t open) {
    size_t end = s_.find("*/", i_ + 2);
    if (end == std::string::npos) return syntax_error(s_, open, "unclosed comment");
    i_ = end + 2;
    TRY(right_delim(open, "comment ends before closing delimiter"));
    return {};
  }

  // Consumes "}}" or " -}}" at i_ (after optional spaces); false if not there.
  bool at_right() {
    size_t k = i_;
    bool spaced = false;
    while (k < s_.size() && is_space(s_[k])) ++k, spaced = true;
    if (spaced && s_.compare(k, 3, "-}}") == 0) {
      i_ = k + 3;
      trim_next_ = true;
      return true;
    }
    if (s_.compare(k, 2, "}}") == 0) {
      i_ = k + 2;
      return true;
    }
    return false;
  }

  Result<void> right_delim(size_t open, const char* msg) {
    if (!at_right()) return syntax_error(s_, open, msg);
    return {};
  }

  Result<void> lex_action(size_t open) {
    int parens = 0;
    for (;;) {
      size_t before = i_;
      if (parens == 0 && at_right()) {
        out_.push_back({Tok::kRight, "}}", before, false});
        return {};
      }
      bool space = false;
      while (i_ < s_.size() && is_space(s_[i_])) ++i_, space = true;
      if (i_ >= s_.size()) return syntax_error(s_, open, "unclosed action");
      if (s_.compare(i_, 2, "}}") == 0) return syntax_error(s_, open, "unclosed left paren");
      TRY(lex_token(space, parens));
    }
  }

  Result<void> lex_token(bool space, int& parens) {
    size_t start = i_;
    char c = s_[i_];
    auto push = [&](Tok k, size_t len) {
      out_.push_back({k, s_.substr(start, len), start, space});
      i_ = start + len;
    };
    if (c == '|') return push(Tok::kPipe, 1), Result<void>{};
    if (c == ',') return push(Tok::kComma, 1), Result<void>{};
    if (c == '(') return ++parens, push(Tok::kLParen, 1), Result<void>{};
    if (c == ')') {
      if (parens == 0) return syntax_error(s_, start, "unexpected right paren");
      return --parens, push(Tok::kRParen, 1), Result<void>{};
    }
    if (c == ':' && s_.compare(i_, 2, ":=") == 0) return push(Tok::kDeclare, 2), Result<void>{};
    if (c == '=') return push(Tok::kAssign, 1), Result<void>{};
    if (c == '"' || c == '`') return lex_quoted(space);
    if (c == '\'') return lex_char(space);
    if (c == '.' || c == '$') {
      size_t k = i_ + 1;
      while (k < s_.size() && is_alnum(s_[k])) ++k;
      if (c == '.' && k == i_ + 1) {
        if (k < s_.size() && s_[k] >= '0' && s_[k] <= '9') return lex_number(space);
        return push(Tok::kDot, 1), Result<void>{};
      }
      return push(c == '.' ? Tok::kField : Tok::kVariable, k - i_), Result<void>{};
    }
    if ((c >= '0' && c <= '9') || c == '-' || c == '+') return lex_number(space);
    if (is_alnum(c)) {
      size_t k = i_;
      while (k < s_.size() && is_alnum(s_[k])) ++k;
      return push(Tok::kIdent, k - i_), Result<void>{};
    }
    return syntax_error(s_, start, fmt::format("unexpected \"{}\" in command", printable({&c, 1})));
  }

  Result<void> lex_number(bool space) {
    size_t start = i_, k = i_;
    if (s_[k] == '-' || s_[k] == '+') ++k;
    while (k < s_.size() &&
           (is_alnum(s_[k]) || s_[k] == '.' ||
            ((s_[k] == '-' || s_[k] == '+') && (s_[k - 1] == 'e' || s_[k - 1] == 'E'))))
      ++k;
    std::string text = s_.substr(start, k - start);
    if (text == "-" || text == "+")
      return syntax_error(s_, start, fmt::format("bad number syntax: \"{}\"", text));
    out_.push_back({Tok::kNumber, text, start, space});
    i_ = k;
    return {};
  }

  Result<void> lex_quoted(bool space) {
    size_t start = i_;
    char q = s_[i_++];
    std::string value;
    while (i_ < s_.size() && s_[i_] != q) {
      char c = s_[i_++];
      if (q == '"' && c == '\n') break;
      if (q == '"' && c == '\\' && i_ < s_.size()) {
        TRY(unescape(value));
        continue;
      }
      value += c;
    }
    if (i_ >= s_.size() || s_[i_] != q)
      return syntax_error(
          s_, start, q == '"' ? "unterminated quoted string" : "unterminated raw quoted string");
    ++i_;
    out_.push_back({Tok::kString, value, start, space});
    return {};
  }

  // One escape after a backslash (i_ is past the backslash), appended to `out`.
  Result<void> unescape(std::string& out) {
    char e = s_[i_++];
    switch (e) {
      case 'n':
        out += '\n';
        return {};
      case 't':
        out += '\t';
        return {};
      case 'r':
        out += '\r';
        return {};
      case 'a':
        out += '\a';
        return {};
      case 'b':
        out += '\b';
        return {};
      case 'f':
        out += '\f';
        return {};
      case 'v':
        out += '\v';
        return {};
      case '\\':
      case '"':
      case '\'':
        out += e;
        return {};
      case 'x':
      case 'u':
      case 'U': {
        size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        std::string hex = s_.substr(i_, n);
        char* end = nullptr;
        unsigned long cp = std::strtoul(hex.c_str(), &end, 16);
        if (hex.size() != n || *end != '\0') break;
        i_ += n;
        if (e == 'x') {
          out += static_cast<char>(cp);
        } else {
          append_utf8(out, static_cast<uint32_t>(cp));
        }
        return {};
      }
      default:
        break;
    }
    return syntax_error(s_, i_ - 2, "invalid syntax in quoted string");
  }

  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // 'a' is the number 97, as in Go.
  Result<void> lex_char(bool space) {
    size_t start = i_++;
    std::string value;
    if (i_ < s_.size() && s_[i_] == '\\') {
      ++i_;
      TRY(unescape(value));
    } else if (i_ < s_.size()) {
      value += s_[i_++];
    }
    if (i_ >= s_.size() || s_[i_] != '\'' || value.size() != 1)
      return syntax_error(s_, start, "unterminated character constant");
    ++i_;
    out_.push_back(
        {Tok::kNumber, std::to_string(static_cast<unsigned char>(value[0])), start, space});
    return {};
  }

  const std::string& s_;
  size_t i_ = 0;
  bool trim_next_ = false;
  std::vector<Token> out_;
};

const char* const kKeywords[] = {"if",    "else",     "end",    "range",    "with",
                                 "break", "continue", "define", "template", "block"};

bool is_keyword(const std::string& s) {
  for (const char* k : kKeywords)
    if (s == k) return true;
  return false;
}

class Parser {
 public:
  Parser(const std::string& src, std::vector<Token> toks) : src_(src), t_(std::move(toks)) {}

  Result<std::vector<Node>> run() {
    vars_.push_back("$");
    std::string end;
    auto list = TRY(parse_list(&end));
    if (!end.empty())
      return syntax_error(src_, last_pos_, fmt::format("unexpected {{{{{}}}}}", end));
    return list;
  }

 private:
  const Token& peek() const { return t_[i_]; }
  const Token& next() { return t_[i_++]; }
  Error error_here(const std::string& msg) const { return syntax_error(src_, peek().pos, msg); }

  // Nodes until {{end}}, {{else}} or the end of the text; `ended` gets which keyword
  // stopped the list ("" at the end of the text). An {{else if ...}} stops with
  // "else" and leaves "if ..." to be read.
  Result<std::vector<Node>> parse_list(std::string* ended) {
    std::vector<Node> out;
    for (;;) {
      const Token& tok = peek();
      if (tok.kind == Tok::kEof) {
        *ended = "";
        return out;
      }
      if (tok.kind == Tok::kText) {
        out.push_back({Node::Kind::kText, tok.text, {}, {}, {}, tok.pos});
        ++i_;
        continue;
      }
      last_pos_ = tok.pos;
      ++i_;  // {{
      const Token& kw = peek();
      if (kw.kind == Tok::kIdent && (kw.text == "end" || kw.text == "else")) {
        *ended = kw.text;
        ++i_;
        if (kw.text == "end") TRY(expect_right("end"));
        if (kw.text == "else" && peek().kind == Tok::kRight) ++i_;
        return out;
      }
      out.push_back(TRY(parse_action()));
    }
  }

  Result<void> expect_right(const char* context) {
    if (peek().kind != Tok::kRight)
      return error_here(fmt::format("unexpected \"{}\" in {}", printable(peek().text), context));
    ++i_;
    return {};
  }

  Result<Node> parse_action() {
    const Token& kw = peek();
    if (kw.kind == Tok::kIdent && is_keyword(kw.text)) {
      size_t pos = kw.pos;
      std::string word = next().text;
      if (word == "if" || word == "range" || word == "with") return parse_control(word, pos);
      if (word == "break" || word == "continue") {
        if (range_depth_ == 0)
          return syntax_error(src_, pos, fmt::format("{{{{{}}}}} outside {{{{range}}}}", word));
        TRY(expect_right(word.c_str()));
        return Node{
            word == "break" ? Node::Kind::kBreak : Node::Kind::kContinue, "", {}, {}, {}, pos};
      }
      return syntax_error(src_, pos, fmt::format("{{{{{}}}}} is not supported", word));
    }
    Node n;
    n.kind = Node::Kind::kAction;
    n.pos = kw.pos;
    n.pipe = TRY(parse_pipeline("command", true));
    return n;
  }

  // if/range/with PIPELINE }} LIST [{{else}} LIST | {{else if ...}}] {{end}}
  Result<Node> parse_control(const std::string& word, size_t pos) {
    Node n;
    n.kind = word == "if"      ? Node::Kind::kIf
             : word == "range" ? Node::Kind::kRange
                               : Node::Kind::kWith;
    n.pos = pos;
    size_t scope = vars_.size();
    n.pipe = TRY(parse_pipeline(word, true, n.kind == Node::Kind::kRange));
    size_t declared = vars_.size();  // the pipeline's variables reach {{end}}, else included
    if (n.kind == Node::Kind::kRange) ++range_depth_;
    std::string ended;
    n.body = TRY(parse_list(&ended));
    if (n.kind == Node::Kind::kRange) --range_depth_;
    vars_.resize(declared);
    if (ended.empty()) return syntax_error(src_, src_.size(), "unexpected EOF");
    if (ended == "else" && t_[i_ - 1].kind != Tok::kRight) {
      // {{else if ...}} / {{else with ...}}: a nested control that shares this {{end}}.
      if (peek().kind != Tok::kIdent || (peek().text != "if" && peek().text != "with"))
        return error_here(fmt::format("unexpected \"{}\" in else", printable(peek().text)));
      std::string sub = peek().text;
      size_t sub_pos = next().pos;
      n.else_body.push_back(TRY(parse_control(sub, sub_pos)));
    } else if (ended == "else") {
      n.else_body = TRY(parse_list(&ended));
      if (ended != "end")
        return syntax_error(src_, ended.empty() ? src_.size() : last_pos_,
                            ended.empty() ? "unexpected EOF" : "expected end; found {{else}}");
    }
    vars_.resize(scope);
    return n;
  }

  // [$x := | $i, $v :=] command [| command]... up to }} (or ")" when nested).
  Result<Pipeline> parse_pipeline(const std::string& context, bool top, bool range = false) {
    Pipeline p;
    p.pos = peek().pos;
    TRY(parse_declarations(p, range));
    for (;;) {
      Command c = TRY(parse_command(context));
      p.cmds.push_back(std::move(c));
      if (peek().kind == Tok::kPipe) {
        ++i_;
        continue;
      }
      break;
    }
    const Token& end = peek();
    if (top ? end.kind != Tok::kRight : end.kind != Tok::kRParen)
      return error_here(fmt::format("unexpected \"{}\" in {}", printable(end.text), context));
    ++i_;
    for (size_t k = 1; k < p.cmds.size(); ++k)
      if (p.cmds[k].args[0].kind == Operand::Kind::kLiteral ||
          p.cmds[k].args[0].kind == Operand::Kind::kNil ||
          p.cmds[k].args[0].kind == Operand::Kind::kDot)
        return syntax_error(src_, p.cmds[k].pos,
                            fmt::format("non executable command in pipeline stage {}", k + 1));
    return p;
  }

  Result<void> parse_declarations(Pipeline& p, bool range) {
    if (peek().kind != Tok::kVariable) return {};
    size_t save = i_;
    std::vector<std::string> names{next().text};
    if (range && peek().kind == Tok::kComma && t_[i_ + 1].kind == Tok::kVariable) {
      i_ += 1;
      names.push_back(next().text);
    }
    if (peek().kind == Tok::kDeclare || (peek().kind == Tok::kAssign && names.size() == 1)) {
      p.assign = next().kind == Tok::kAssign;
      if (p.assign) {
        TRY(check_variable(names[0], t_[save].pos));
      } else {
        for (const auto& n : names) vars_.push_back(n);
      }
      p.vars = std::move(names);
      return {};
    }
    i_ = save;  // a variable used as an operand
    return {};
  }

  Result<void> check_variable(const std::string& name, size_t pos) const {
    for (const auto& v : vars_)
      if (v == name) return {};
    return syntax_error(src_, pos, fmt::format("undefined variable \"{}\"", printable(name)));
  }

  Result<Command> parse_command(const std::string& context) {
    Command c;
    c.pos = peek().pos;
    for (;;) {
      Tok k = peek().kind;
      if (k == Tok::kRight || k == Tok::kRParen || k == Tok::kPipe) break;
      if (!c.args.empty() && !peek().space_before && k != Tok::kLParen)
        return error_here(fmt::format("missing space before \"{}\"", printable(peek().text)));
      c.args.push_back(TRY(parse_operand(context)));
    }
    if (c.args.empty())
      return error_here(peek().kind == Tok::kPipe || peek().kind == Tok::kRParen ||
                                peek().kind == Tok::kRight
                            ? "missing value for " + context
                            : "empty command");
    size_t end = peek().pos;
    c.text = std::string(trim(std::string_view(src_).substr(c.pos, end - c.pos)));
    return c;
  }

  Result<Operand> parse_operand(const std::string& context) {
    const Token& tok = peek();
    Operand o;
    o.pos = tok.pos;
    switch (tok.kind) {
      case Tok::kDot:
        o.kind = Operand::Kind::kDot;
        ++i_;
        break;
      case Tok::kField:
        o.kind = Operand::Kind::kField;
        o.fields.push_back(next().text.substr(1));
        break;
      case Tok::kVariable:
        TRY(check_variable(tok.text, tok.pos));
        o.kind = Operand::Kind::kVariable;
        o.name = next().text;
        break;
      case Tok::kString:
        o.kind = Operand::Kind::kLiteral;
        o.literal = next().text;
        break;
      case Tok::kNumber:
        o.kind = Operand::Kind::kLiteral;
        o.literal = TRY(parse_number(next()));
        break;
      case Tok::kLParen:
        ++i_;
        o.kind = Operand::Kind::kPipeline;
        o.pipe = std::make_shared<Pipeline>(TRY(parse_pipeline("parenthesized pipeline", false)));
        break;
      case Tok::kIdent:
        if (tok.text == "true" || tok.text == "false") {
          o.kind = Operand::Kind::kLiteral;
          o.literal = next().text == "true";
        } else if (tok.text == "nil") {
          o.kind = Operand::Kind::kNil;
          ++i_;
        } else if (is_keyword(tok.text)) {
          return error_here(fmt::format("unexpected <{}> in {}", tok.text, context));
        } else if (!is_function(tok.text)) {
          return error_here(fmt::format("function \"{}\" not defined", printable(tok.text)));
        } else {
          o.kind = Operand::Kind::kIdentifier;
          o.name = next().text;
        }
        break;
      default:
        return error_here(fmt::format("unexpected \"{}\" in operand", printable(tok.text)));
    }
    // A chain of fields right after the term: $x.A.B, (pipeline).A, .A.B
    while (peek().kind == Tok::kField && !peek().space_before) {
      if (o.kind == Operand::Kind::kLiteral || o.kind == Operand::Kind::kNil ||
          o.kind == Operand::Kind::kIdentifier || o.kind == Operand::Kind::kDot)
        return error_here(fmt::format("unexpected \"{}\" in operand", printable(peek().text)));
      o.fields.push_back(next().text.substr(1));
    }
    o.text = std::string(trim(std::string_view(src_).substr(o.pos, peek().pos - o.pos)));
    return o;
  }

  Result<oci::Json> parse_number(const Token& tok) const {
    const std::string& s = tok.text;
    char* end = nullptr;
    bool is_float = s.find_first_of(".eE") != std::string::npos &&
                    !(s.size() > 2 && (s[1] == 'x' || s[1] == 'X' || s[2] == 'x' || s[2] == 'X'));
    if (!is_float) {
      errno = 0;
      long long v = std::strtoll(s.c_str(), &end, 0);
      if (end != s.c_str() && *end == '\0' && errno == 0) return oci::Json(static_cast<int64_t>(v));
    } else {
      double d = std::strtod(s.c_str(), &end);
      if (end != s.c_str() && *end == '\0') return oci::Json(d);
    }
    return syntax_error(src_, tok.pos, fmt::format("bad number syntax: \"{}\"", printable(s)));
  }

  const std::string& src_;
  std::vector<Token> t_;
  size_t i_ = 0;
  size_t last_pos_ = 0;
  int range_depth_ = 0;
  std::vector<std::string> vars_;
};

}  // namespace

std::string location(const std::string& source, size_t pos) {
  pos = std::min(pos, source.size());
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < pos; ++i)
    if (source[i] == '\n') ++line, line_start = i + 1;
  return fmt::format("{}:{}", line, pos - line_start);
}

Result<Tree> parse_tree(std::string_view text) {
  Tree tree;
  tree.source = std::string(text);
  auto toks = TRY(Lexer(tree.source).run());
  tree.root = TRY(Parser(tree.source, std::move(toks)).run());
  return tree;
}

}  // namespace strata::cli::tmpl
