// SPDX-License-Identifier: Apache-2.0
#include "cli/output.h"

#include <algorithm>
#include <optional>

#include "util/strings.h"

namespace strata::cli {

namespace {

// Display width in code points (good enough for the "…" we print and most UTF-8 text).
size_t display_width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

void Table::print(std::FILE* out) const {
  constexpr size_t kMinWidth = 10, kPadding = 3;
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
  }
  for (const auto& row : rows_) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size())
        line.append(std::max(kMinWidth, widths[i] + kPadding) - display_width(row[i]), ' ');
    }
    std::fprintf(out, "%s\n", line.c_str());
  }
}

namespace {

// Go's fmt %v for JSON-shaped values.
// Strings from an image (history, labels, env) are escaped with printable(): a config
// may not drive the terminal through `history` or `inspect --format`.
std::string go_value(const oci::Json& v) {
  if (v.is_string()) return printable(v.get<std::string>());
  if (v.is_null()) return "<nil>";
  if (v.is_array()) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? " " : "") + go_value(v[i]);
    return s + "]";
  }
  if (v.is_object()) {
    std::vector<std::string> keys;
    for (auto it = v.begin(); it != v.end(); ++it) keys.push_back(it.key());
    std::sort(keys.begin(), keys.end());
    std::string s = "map[";
    for (size_t i = 0; i < keys.size(); ++i)
      s += (i ? " " : "") + printable(keys[i]) + ":" + go_value(v[keys[i]]);
    return s + "]";
  }
  return v.dump();
}

Result<const oci::Json*> lookup(const oci::Json& data, std::string_view path) {
  const oci::Json* cur = &data;
  if (path == ".") return cur;
  for (const auto& part : split(path.substr(1), '.')) {
    if (!cur->is_object() || !cur->contains(part))
      return Error::make(Errc::kInvalidArgument,
                         fmt::format("template: can't evaluate field {} in {}", part, path));
    cur = &(*cur)[part];
  }
  return cur;
}

std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == 't' || s[i + 1] == 'n')) {
      out += s[i + 1] == 't' ? '\t' : '\n';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

Result<std::string> render_template(std::string_view format, const oci::Json& data) {
  std::string fmt_text = unescape(format), out;
  size_t i = 0;
  while (i < fmt_text.size()) {
    size_t open = fmt_text.find("{{", i);
    if (open == std::string::npos) {
      out += fmt_text.substr(i);
      break;
    }
    out += fmt_text.substr(i, open - i);
    size_t close = fmt_text.find("}}", open);
    if (close == std::string::npos)
      return Error::make(Errc::kInvalidArgument, "template: unclosed action");
    std::string_view action = trim(std::string_view(fmt_text).substr(open + 2, close - open - 2));
    bool as_json = false;
    if (action.starts_with("json ")) {
      as_json = true;
      action = trim(action.substr(5));
    }
    if (!action.starts_with("."))
      return Error::make(Errc::kInvalidArgument,
                         fmt::format("template: unsupported action \"{}\"", action));
    const oci::Json* v = TRY(lookup(data, action));
    out += as_json ? oci::dump_json(*v) : go_value(*v);
    i = close + 2;
  }
  return out;
}

Result<void> print_formatted(std::string_view format, const std::vector<oci::Json>& rows,
                             const std::map<std::string, std::string>& headers, std::FILE* out) {
  bool table = format.starts_with("table");
  if (!table) {
    for (const auto& row : rows)
      std::fprintf(out, "%s\n", TRY(render_template(format, row)).c_str());
    return {};
  }
  std::string body(trim(format.substr(5)));
  Table t;
  oci::Json titles = oci::Json::object();
  for (const auto& [field, title] : headers) titles[field] = title;
  t.add(split(TRY(render_template(body, titles)), '\t'));
  for (const auto& row : rows) t.add(split(TRY(render_template(body, row)), '\t'));
  t.print(out);
  return {};
}

Result<int> print_inspected(const std::vector<std::string>& names, const std::string& format,
                            const std::function<Result<oci::Json>(const std::string&)>& lookup) {
  oci::Json all = oci::Json::array();
  std::optional<Error> missing;
  for (const auto& n : names) {
    auto j = lookup(n);
    if (!j.ok()) {
      if (j.error().code() != Errc::kNotFound) return std::move(j).error();
      missing = std::move(j).error();
      continue;
    }
    all.push_back(std::move(*j));
  }
  if (format.empty()) {
    std::printf("%s\n", oci::dump_json_pretty(all).c_str());
  } else {
    for (const auto& j : all) std::printf("%s\n", TRY(render_template(format, j)).c_str());
  }
  if (missing) return std::move(*missing);
  return 0;
}

}  // namespace strata::cli
