// SPDX-License-Identifier: Apache-2.0
// The template's functions: Go's builtins and Docker's additions (cli/templates in the
// Docker CLI), and Go's way of printing values (fmt's %v and printf's verbs).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "cli/template_internal.h"
#include "util/strings.h"

namespace strata::cli::tmpl {

namespace {

Error func_error(std::string msg) { return Error::make(Errc::kInvalidArgument, std::move(msg)); }

// A data string as it may reach the terminal.
std::string safe(const std::string& s, bool trusted) { return trusted ? s : printable(s); }

// Go's %v of a float64 (strconv 'g', precision -1): the shortest digits that read back,
// in %e form when the exponent is below -4 or 6 and more (1e+06, 1.5, 0.0001).
std::string go_float(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  char buf[64];
  int prec = 1;
  for (; prec < 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  std::snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
  int exp = std::atoi(std::strchr(buf, 'e') + 1);
  if (exp < -4 || exp >= 6) {
    // Go writes at least two exponent digits: 1e+06.
    std::string s(buf);
    size_t e = s.find('e');
    std::string mant = s.substr(0, e);
    if (mant.find('.') != std::string::npos) {
      while (mant.back() == '0') mant.pop_back();
      if (mant.back() == '.') mant.pop_back();
    }
    return fmt::format("{}e{}{:02d}", mant, exp < 0 ? '-' : '+', std::abs(exp));
  }
  std::snprintf(buf, sizeof buf, "%.*f", std::max(0, prec - 1 - exp), d);
  return buf;
}

std::string print_json(const oci::Json& j, bool trusted) {
  if (j.is_string()) return safe(j.get<std::string>(), trusted);
  if (j.is_null()) return "<nil>";
  if (j.is_boolean()) return j.get<bool>() ? "true" : "false";
  if (j.is_number_float()) return go_float(j.get<double>());
  if (j.is_number()) return j.dump();
  std::string s;
  if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) s += (i ? " " : "") + print_json(j[i], trusted);
    return "[" + s + "]";
  }
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  std::sort(keys.begin(), keys.end());
  for (size_t i = 0; i < keys.size(); ++i)
    s += (i ? " " : "") + safe(keys[i], trusted) + ":" + print_json(j[keys[i]], trusted);
  return "map[" + s + "]";
}

// --- Go's printf -----------------------------------------------------------------------

struct Spec {
  bool minus = false, plus = false, space = false, zero = false, sharp = false;
  int width = -1, prec = -1;
  char verb = 'v';
};

size_t runes(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// The first n characters (UTF-8 sequences) of s.
std::string first_runes(const std::string& s, int64_t n) {
  size_t cut = 0;
  for (int64_t k = 0; cut < s.size() && k < n; ++k) {
    ++cut;
    while (cut < s.size() && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) ++cut;
  }
  return s.substr(0, cut);
}

std::string pad_to(std::string body, const Spec& sp, bool numeric) {
  if (sp.width < 0 || runes(body) >= static_cast<size_t>(sp.width)) return body;
  size_t fill = static_cast<size_t>(sp.width) - runes(body);
  if (sp.minus) return body + std::string(fill, ' ');
  if (sp.zero && numeric) {
    size_t at = !body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ') ? 1 : 0;
    return body.insert(at, fill, '0');
  }
  return std::string(fill, ' ') + body;
}

// %q: a double-quoted string with escapes. JSON's quoting is Go's for printable text; a
// control byte comes out as \u001b where Go writes \x1b.
std::string go_quote(const std::string& s) { return oci::dump_json(oci::Json(s)); }

std::string bad_verb(char verb, const Value& v) {
  if (v.json.is_null()) return fmt::format("%!{}(<nil>)", verb);
  return fmt::format("%!{}({}={})", verb, go_type(v), go_print(v));
}

std::string format_int(int64_t n, const Spec& sp) {
  std::string digits;
  uint64_t mag = n < 0 ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
  switch (sp.verb) {
    case 'x':
      digits = fmt::format("{:x}", mag);
      break;
    case 'X':
      digits = fmt::format("{:X}", mag);
      break;
    case 'o':
      digits = fmt::format("{:o}", mag);
      break;
    case 'b':
      digits = fmt::format("{:b}", mag);
      break;
    default:
      digits = std::to_string(mag);
  }
  if (sp.prec >= 0 && digits.size() < static_cast<size_t>(sp.prec))
    digits.insert(0, static_cast<size_t>(sp.prec) - digits.size(), '0');
  if (sp.sharp && (sp.verb == 'x' || sp.verb == 'X'))
    digits.insert(0, sp.verb == 'x' ? "0x" : "0X");
  std::string sign = n < 0 ? "-" : sp.plus ? "+" : sp.space ? " " : "";
  return pad_to(sign + digits, sp, true);
}

std::string format_float(double d, const Spec& sp) {
  std::string body;
  if (sp.verb == 'v' || (sp.verb == 'g' && sp.prec < 0)) {
    body = go_float(d);
  } else {
    char buf[512];
    char fmtbuf[8] = {'%', '.', '*', sp.verb == 'F' ? 'f' : sp.verb, 0};
    std::snprintf(buf, sizeof buf, fmtbuf, sp.prec < 0 ? 6 : sp.prec, d);
    body = buf;
  }
  if (!body.starts_with('-') && (sp.plus || sp.space)) body.insert(0, sp.plus ? "+" : " ");
  return pad_to(body, sp, true);
}

std::string format_one(const Spec& sp, const Value& v);

// %s, %q, %d ... of an array: each element with the verb, Go's [a b].
std::string format_array(const Spec& sp, const Value& v) {
  Spec inner = sp;
  inner.width = -1;
  std::string s = "[";
  for (size_t i = 0; i < v.json.size(); ++i)
    s += (i ? " " : "") + format_one(inner, Value{v.json[i], false, v.trusted});
  return pad_to(s + "]", sp, false);
}

std::string format_one(const Spec& sp, const Value& v) {
  const oci::Json& j = v.json;
  if (v.missing)
    return pad_to(sp.verb == 'v' || sp.verb == 's' ? "<no value>" : bad_verb(sp.verb, v), sp,
                  false);
  if (j.is_array() && sp.verb != 'v') return format_array(sp, v);
  switch (sp.verb) {
    case 'v':
      if (j.is_number_integer()) return format_int(j.get<int64_t>(), sp);
      if (j.is_number_float()) return format_float(j.get<double>(), sp);
      return pad_to(go_print(v), sp, false);
    case 's':
    case 'q':
      if (j.is_string()) {
        std::string s = j.get<std::string>();
        if (sp.prec >= 0) {
          s = first_runes(s, sp.prec);
        }
        return pad_to(sp.verb == 'q' ? go_quote(s) : safe(s, v.trusted), sp, false);
      }
      if (sp.verb == 's' && j.is_object()) return pad_to(go_print(v), sp, false);
      if (sp.verb == 'q' && j.is_number_integer())
        return pad_to("'" + std::string(1, static_cast<char>(j.get<int64_t>())) + "'", sp, false);
      return bad_verb(sp.verb, v);
    case 'd':
    case 'x':
    case 'X':
    case 'o':
    case 'b':
      if (j.is_number_integer()) return format_int(j.get<int64_t>(), sp);
      if (j.is_string() && (sp.verb == 'x' || sp.verb == 'X')) {
        std::string hex;
        for (unsigned char c : j.get<std::string>())
          hex += sp.verb == 'x' ? fmt::format("{:02x}", c) : fmt::format("{:02X}", c);
        return pad_to(hex, sp, false);
      }
      return bad_verb(sp.verb, v);
    case 'c':
      if (j.is_number_integer() && j.get<int64_t>() >= 0x20 && j.get<int64_t>() < 0x7f)
        return pad_to(std::string(1, static_cast<char>(j.get<int64_t>())), sp, false);
      return bad_verb(sp.verb, v);
    case 't':
      if (j.is_boolean()) return pad_to(j.get<bool>() ? "true" : "false", sp, false);
      return bad_verb(sp.verb, v);
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
      if (j.is_number_float()) return format_float(j.get<double>(), sp);
      return bad_verb(sp.verb, v);
    default:
      return bad_verb(sp.verb, v);
  }
}

// Reads one %... directive at fmt[i] (i is past the '%').
Spec parse_spec(const std::string& f, size_t& i) {
  Spec sp;
  for (; i < f.size(); ++i) {
    char c = f[i];
    if (c == '-')
      sp.minus = true;
    else if (c == '+')
      sp.plus = true;
    else if (c == ' ')
      sp.space = true;
    else if (c == '0')
      sp.zero = true;
    else if (c == '#')
      sp.sharp = true;
    else
      break;
  }
  auto number = [&]() {
    int n = 0;
    while (i < f.size() && f[i] >= '0' && f[i] <= '9' && n < 10000) n = n * 10 + (f[i++] - '0');
    return n;
  };
  if (i < f.size() && f[i] >= '0' && f[i] <= '9') sp.width = number();
  if (i < f.size() && f[i] == '.') {
    ++i;
    sp.prec = number();
  }
  sp.verb = i < f.size() ? f[i++] : '\0';
  return sp;
}

std::string go_sprintf(const Value& format, const std::vector<Value>& args) {
  const std::string f = format.json.get<std::string>();
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < f.size();) {
    if (f[i] != '%') {
      out += f[i++];
      continue;
    }
    ++i;
    if (i < f.size() && f[i] == '%') {
      out += '%';
      ++i;
      continue;
    }
    Spec sp = parse_spec(f, i);
    if (sp.verb == '\0') {
      out += "%!(NOVERB)";
      break;
    }
    if (next >= args.size()) {
      out += fmt::format("%!{}(MISSING)", sp.verb);
      continue;
    }
    out += format_one(sp, args[next++]);
  }
  if (next < args.size()) {
    out += "%!(EXTRA ";
    for (size_t k = next; k < args.size(); ++k)
      out += (k > next ? ", " : "") + go_type(args[k]) + "=" + go_print(args[k]);
    out += ")";
  }
  return safe(out, format.trusted);
}

// --- argument checks ---------------------------------------------------------------------

Result<void> want_args(std::string_view name, const std::vector<Value>& args, size_t n) {
  if (args.size() != n)
    return func_error(
        fmt::format("wrong number of args for {}: want {} got {}", name, n, args.size()));
  return {};
}

Result<std::string> want_string(const Value& v) {
  if (v.missing) return func_error("invalid value; expected string");
  if (!v.json.is_string())
    return func_error(fmt::format("wrong type for value; expected string; got {}", go_type(v)));
  return v.json.get<std::string>();
}

Result<int64_t> want_int(const Value& v) {
  if (!v.json.is_number_integer() || v.missing)
    return func_error(fmt::format("wrong type for value; expected int; got {}", go_type(v)));
  return v.json.get<int64_t>();
}

// --- comparison --------------------------------------------------------------------------

enum class Cmp { kLess, kEqual, kGreater };

Result<Cmp> compare(const Value& a, const Value& b, bool ordered) {
  const oci::Json &x = a.json, &y = b.json;
  auto order = [](auto l, auto r) {
    return l < r ? Cmp::kLess : l > r ? Cmp::kGreater : Cmp::kEqual;
  };
  if (x.is_number() && y.is_number()) {
    if (x.is_number_float() || y.is_number_float()) return order(x.get<double>(), y.get<double>());
    return order(x.get<int64_t>(), y.get<int64_t>());
  }
  if (x.is_string() && y.is_string()) return order(x.get<std::string>(), y.get<std::string>());
  if (!ordered) {
    if (x.is_boolean() && y.is_boolean()) return x == y ? Cmp::kEqual : Cmp::kLess;
    if ((x.is_null() || a.missing) && (y.is_null() || b.missing)) return Cmp::kEqual;
    if (x.is_null() || y.is_null() || a.missing || b.missing) return Cmp::kLess;
  }
  if (x.is_array() || x.is_object() || y.is_array() || y.is_object())
    return func_error(fmt::format("error calling {}: non-comparable type {}", ordered ? "lt" : "eq",
                                  go_type(x.is_array() || x.is_object() ? a : b)));
  if (x.type() != y.type() || ordered)
    return func_error(
        fmt::format("error calling {}: incompatible types for comparison", ordered ? "lt" : "eq"));
  return Cmp::kEqual;
}

Result<Value> compare_fn(std::string_view name, const std::vector<Value>& args) {
  if (name == "eq") {
    if (args.size() < 2)
      return func_error(
          fmt::format("wrong number of args for eq: want at least 2 got {}", args.size()));
    for (size_t i = 1; i < args.size(); ++i)
      if (TRY(compare(args[0], args[i], false)) == Cmp::kEqual) return Value{true, false, true};
    return Value{false, false, true};
  }
  TRY(want_args(name, args, 2));
  Cmp c = TRY(compare(args[0], args[1], name != "ne"));
  bool r = name == "ne"   ? c != Cmp::kEqual
           : name == "lt" ? c == Cmp::kLess
           : name == "le" ? c != Cmp::kGreater
           : name == "gt" ? c == Cmp::kGreater
                          : c != Cmp::kLess;
  return Value{r, false, true};
}

// --- collections -------------------------------------------------------------------------

Result<Value> index_fn(const std::vector<Value>& args) {
  if (args.empty()) return func_error("wrong number of args for index: want at least 1 got 0");
  Value cur = args[0];
  for (size_t i = 1; i < args.size(); ++i) {
    const oci::Json& j = cur.json;
    const Value& k = args[i];
    if (cur.missing || j.is_null()) return func_error("error calling index: index of untyped nil");
    if (j.is_array() || j.is_string()) {
      if (!k.json.is_number_integer())
        return func_error(
            fmt::format("error calling index: cannot index slice/array with type {}", go_type(k)));
      int64_t n = k.json.get<int64_t>();
      size_t size = j.is_array() ? j.size() : j.get<std::string>().size();
      if (n < 0 || static_cast<size_t>(n) >= size)
        return func_error(fmt::format("error calling index: index out of range: {}", n));
      if (j.is_array()) {
        cur = Value{j[static_cast<size_t>(n)], false, cur.trusted};
      } else {
        cur = Value{static_cast<unsigned char>(j.get<std::string>()[static_cast<size_t>(n)]), false,
                    true};
      }
    } else if (j.is_object()) {
      if (!k.json.is_string())
        return func_error(
            fmt::format("error calling index: value has type {}; should be string", go_type(k)));
      auto it = j.find(k.json.get<std::string>());
      cur = it == j.end() ? Value{nullptr, false, true} : Value{*it, false, cur.trusted};
    } else {
      return func_error(
          fmt::format("error calling index: can't index item of type {}", go_type(cur)));
    }
  }
  return cur;
}

Result<Value> slice_fn(const std::vector<Value>& args) {
  if (args.empty() || args.size() > 4)
    return func_error(
        fmt::format("wrong number of args for slice: want 1 to 4 got {}", args.size()));
  const Value& v = args[0];
  if (!v.json.is_array() && !v.json.is_string())
    return func_error(fmt::format("error calling slice: can't slice item of type {}", go_type(v)));
  size_t size = v.json.is_array() ? v.json.size() : v.json.get<std::string>().size();
  std::vector<size_t> idx;
  for (size_t i = 1; i < args.size(); ++i) {
    int64_t n = TRY(want_int(args[i]));
    if (n < 0 || static_cast<size_t>(n) > size)
      return func_error(fmt::format("error calling slice: index out of range: {}", n));
    idx.push_back(static_cast<size_t>(n));
  }
  size_t from = idx.size() > 0 ? idx[0] : 0, to = idx.size() > 1 ? idx[1] : size;
  if (from > to)
    return func_error(fmt::format("error calling slice: invalid slice index: {} > {}", from, to));
  if (v.json.is_string())
    return Value{v.json.get<std::string>().substr(from, to - from), false, v.trusted};
  oci::Json out = oci::Json::array();
  for (size_t i = from; i < to; ++i) out.push_back(v.json[i]);
  return Value{out, false, v.trusted};
}

Result<Value> len_fn(const std::vector<Value>& args) {
  TRY(want_args("len", args, 1));
  const oci::Json& j = args[0].json;
  if (j.is_string()) return Value{j.get<std::string>().size(), false, true};
  if ((j.is_array() || j.is_object()) && !args[0].missing) return Value{j.size(), false, true};
  return func_error(fmt::format("error calling len: len of type {}", go_type(args[0])));
}

// --- Docker's string functions -------------------------------------------------------------

std::string title_case(std::string s) {
  bool start = true;
  for (char& c : s) {
    bool word = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '\'' ||
                static_cast<unsigned char>(c) >= 0x80;
    if (start && word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    start = !word;
  }
  return s;
}

Result<Value> string_fn(std::string_view name, const std::vector<Value>& args) {
  if (name == "split") {
    TRY(want_args(name, args, 2));
    std::string s = TRY(want_string(args[0])), sep = TRY(want_string(args[1]));
    oci::Json out = oci::Json::array();
    if (sep.empty()) {
      for (size_t i = 0; i < s.size();) {
        size_t n = 1;
        while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
        out.push_back(s.substr(i, n));
        i += n;
      }
    } else {
      for (size_t from = 0;;) {
        size_t at = s.find(sep, from);
        out.push_back(s.substr(from, at == std::string::npos ? std::string::npos : at - from));
        if (at == std::string::npos) break;
        from = at + sep.size();
      }
    }
    return Value{out, false, args[0].trusted};
  }
  if (name == "join") {
    TRY(want_args(name, args, 2));
    std::string sep = TRY(want_string(args[1]));
    if (!args[0].json.is_array())
      return func_error(
          fmt::format("wrong type for value; expected []string; got {}", go_type(args[0])));
    std::string out;
    for (size_t i = 0; i < args[0].json.size(); ++i)
      out += (i ? safe(sep, args[1].trusted) : "") + print_json(args[0].json[i], args[0].trusted);
    return Value{out, false, true};
  }
  if (name == "truncate" || name == "pad") {
    TRY(want_args(name, args, name == "pad" ? 3 : 2));
    std::string s = TRY(want_string(args[0]));
    int64_t a = TRY(want_int(args[1]));
    if (name == "pad") {
      int64_t b = TRY(want_int(args[2]));
      if (s.empty() || a < 0 || b < 0 || a > 4096 || b > 4096) return args[0];
      return Value{
          std::string(static_cast<size_t>(a), ' ') + s + std::string(static_cast<size_t>(b), ' '),
          false, args[0].trusted};
    }
    // By characters, not bytes as Docker does: a cut never splits a UTF-8 sequence.
    return Value{first_runes(s, a), false, args[0].trusted};
  }
  TRY(want_args(name, args, 1));
  std::string s = TRY(want_string(args[0]));
  if (name == "title") return Value{title_case(s), false, args[0].trusted};
  for (char& c : s)
    c = static_cast<char>(name == "upper" ? std::toupper(static_cast<unsigned char>(c))
                                          : std::tolower(static_cast<unsigned char>(c)));
  return Value{s, false, args[0].trusted};
}

// fmt.Sprint: a space between operands when neither is a string; Sprintln: always.
std::string go_sprint(const std::vector<Value>& args, bool ln) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    bool strings = args[i].json.is_string() || (i > 0 && args[i - 1].json.is_string());
    if (i > 0 && (ln || !strings)) out += ' ';
    out += args[i].missing ? "<no value>" : go_print(args[i]);
  }
  return ln ? out + "\n" : out;
}

const char* const kFunctions[] = {"and",   "or",     "not",     "eq",   "ne",      "lt",
                                  "le",    "gt",     "ge",      "len",  "index",   "slice",
                                  "print", "printf", "println", "json", "join",    "split",
                                  "upper", "lower",  "title",   "pad",  "truncate"};

}  // namespace

bool is_function(std::string_view name) {
  for (const char* f : kFunctions)
    if (name == f) return true;
  return false;
}

std::string go_print(const Value& v) {
  if (v.missing) return "<no value>";
  return print_json(v.json, v.trusted);
}

std::string go_type(const Value& v) {
  const oci::Json& j = v.json;
  if (v.missing) return "<no value>";
  if (j.is_string()) return "string";
  if (j.is_boolean()) return "bool";
  if (j.is_number_float()) return "float64";
  if (j.is_number()) return "int";
  if (j.is_array()) return "[]interface {}";
  if (j.is_object()) return "map[string]interface {}";
  return "<nil>";
}

bool truthy(const Value& v) {
  const oci::Json& j = v.json;
  if (v.missing || j.is_null()) return false;
  if (j.is_boolean()) return j.get<bool>();
  if (j.is_number_float()) return j.get<double>() != 0;
  if (j.is_number()) return j.get<int64_t>() != 0;
  if (j.is_string()) return !j.get<std::string>().empty();
  return !j.empty();
}

Result<Value> call_function(std::string_view name, const std::vector<Value>& args, bool header) {
  static const char* const kHeaderPassThrough[] = {"json",  "split", "join",     "title",
                                                   "lower", "upper", "truncate", "pad"};
  if (header)
    for (const char* f : kHeaderPassThrough)
      if (name == f) return args.empty() ? Value{"", false, true} : args[0];
  if (name == "not") {
    TRY(want_args(name, args, 1));
    return Value{!truthy(args[0]), false, true};
  }
  if (name == "eq" || name == "ne" || name == "lt" || name == "le" || name == "gt" || name == "ge")
    return compare_fn(name, args);
  if (name == "len") return len_fn(args);
  if (name == "index") return index_fn(args);
  if (name == "slice") return slice_fn(args);
  if (name == "print" || name == "println")
    return Value{go_sprint(args, name == "println"), false, true};
  if (name == "printf") {
    if (args.empty()) return func_error("wrong number of args for printf: want at least 1 got 0");
    TRY(want_string(args[0]));
    return Value{go_sprintf(args[0], {args.begin() + 1, args.end()}), false, true};
  }
  if (name == "json") {
    TRY(want_args(name, args, 1));
    return Value{oci::dump_json(args[0].missing ? oci::Json(nullptr) : args[0].json), false, true};
  }
  return string_fn(name, args);
}

}  // namespace strata::cli::tmpl
