// SPDX-License-Identifier: Apache-2.0
// Output helpers shared by the commands: Docker-style tables and --format (Go templates,
// cli/template.h; "json"; a "table" prefix).
#pragma once

#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "cli/template.h"
#include "oci/json.h"
#include "util/result.h"

namespace strata::cli {

// Aligned columns as Docker's tabwriter prints them (min width 10, padding 3).
class Table {
 public:
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::FILE* out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// "\t" and "\n" written literally in a --format become tab and newline, as Docker's.
std::string unescape_format(std::string_view format);

// Renders a --format over one value (inspect): "json" is the value as compact JSON,
// anything else a Go template (errors: kInvalidArgument, Go's message).
Result<std::string> render_template(std::string_view format, const oci::Json& data,
                                    const TemplateOptions& options = {});

// `inspect` output: what `lookup` gives for each name, as one pretty JSON array or each
// object through `format` ("json": one line each). A name it does not find (kNotFound) is
// reported once the others are printed, as Docker does; any other error stops at once.
Result<int> print_inspected(const std::vector<std::string>& names, const std::string& format,
                            const std::function<Result<oci::Json>(const std::string&)>& lookup);

// What a listing (ps, images, history) offers its --format.
struct Listing {
  std::map<std::string, std::string> headers;  // field -> column title ("ID" -> "IMAGE ID")
  std::string type_name;                       // Docker's, for "can't evaluate field" errors
  std::map<std::string, TemplateMethod> methods;
  std::string default_table;  // what a bare "table" means: "table {{.ID}}\t..."
};

// Prints rows through a --format: "json" gives one JSON object per line (Docker 23+);
// "table ..." a header row (titles from `how.headers`) and aligned columns; anything
// else one rendered template per row. A field the rows lack is an error.
Result<void> print_formatted(std::string_view format, const std::vector<oci::Json>& rows,
                             const Listing& how, std::FILE* out);

}  // namespace strata::cli
