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

std::string unescape_format(std::string_view s) {
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

Result<std::string> render_template(std::string_view format, const oci::Json& data,
                                    const TemplateOptions& options) {
  if (trim(format) == "json") return oci::dump_json(data);
  auto t = TRY(Template::parse(unescape_format(format)));
  return t.execute(data, options);
}

Result<int> print_inspected(const std::vector<std::string>& names, const std::string& format,
                            const std::function<Result<oci::Json>(const std::string&)>& lookup) {
  // A bad template is refused before anything is printed.
  auto t = TRY(Template::parse(unescape_format(format)));
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
    for (const auto& j : all)
      std::printf("%s\n",
                  trim(format) == "json" ? oci::dump_json(j).c_str() : TRY(t.execute(j)).c_str());
  }
  if (missing) return std::move(*missing);
  return 0;
}

Result<void> print_formatted(std::string_view format, const std::vector<oci::Json>& rows,
                             const Listing& how, std::FILE* out) {
  if (trim(format) == "json") {
    for (const auto& row : rows) std::fprintf(out, "%s\n", oci::dump_json(row).c_str());
    return {};
  }
  TemplateOptions options;
  options.strict_fields = true;
  options.type_name = how.type_name;
  options.methods = how.methods;
  bool table = format.starts_with("table");
  std::string body(trim(table ? format.substr(5) : format));
  if (table && body.empty())
    body = std::string(trim(std::string_view(how.default_table).substr(5)));
  auto t = TRY(Template::parse(unescape_format(body)));
  if (!table) {
    for (const auto& row : rows) std::fprintf(out, "%s\n", TRY(t.execute(row, options)).c_str());
    return {};
  }
  // Docker writes the header and every row, each ended by a newline, through one tabwriter.
  TemplateOptions header = options;
  header.header = true;
  oci::Json titles = oci::Json::object();
  for (const auto& [field, title] : how.headers) titles[field] = title;
  std::string text = TRY(t.execute(titles, header)) + "\n";
  for (const auto& row : rows) text += TRY(t.execute(row, options)) + "\n";
  text.pop_back();
  Table tab;
  for (const auto& line : split(text, '\n')) tab.add(split(line, '\t'));
  tab.print(out);
  return {};
}

}  // namespace strata::cli
