// SPDX-License-Identifier: Apache-2.0
// Output helpers shared by the commands: Docker-style tables and --format templates.
#pragma once

#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

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

// Renders a Go-template-like format over `data`: {{.Field}}, {{.A.B}}, {{json .X}}, {{.}};
// "\t" and "\n" written literally in the format become tab and newline. An unknown
// field is kInvalidArgument naming it.
Result<std::string> render_template(std::string_view format, const oci::Json& data);

// `inspect` output: what `lookup` gives for each name, as one pretty JSON array or each
// object through `format`. A name it does not find (kNotFound) is reported once the
// others are printed, as Docker does; any other error stops at once.
Result<int> print_inspected(const std::vector<std::string>& names, const std::string& format,
                            const std::function<Result<oci::Json>(const std::string&)>& lookup);

// Prints rows through a --format. A "table " prefix prints a header row (from
// `headers`, field name -> column title) and aligns the columns.
Result<void> print_formatted(std::string_view format, const std::vector<oci::Json>& rows,
                             const std::map<std::string, std::string>& headers, std::FILE* out);

}  // namespace strata::cli
