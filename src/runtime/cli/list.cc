// SPDX-License-Identifier: Apache-2.0
// `list` (`ps`): a table as runc prints it, JSON, or the IDs.
#include <algorithm>
#include <cstdio>

#include "runtime/cli/cli.h"
#include "util/strings.h"

namespace strata::runtime::cli {

namespace {

void print_table(const std::vector<ContainerState>& all) {
  std::vector<std::vector<std::string>> rows = {
      {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
  for (const auto& s : all)
    rows.push_back({s.id, std::to_string(s.status == "stopped" ? 0 : s.pid), s.status,
                    printable(s.bundle), s.created, s.owner.empty() ? "root" : s.owner});
  std::vector<size_t> w(6, 0);
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size());
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line.append(std::max<size_t>(12, w[i] + 3) - r[i].size(), ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

Result<int> print_list(const Globals& g, const std::string& format, bool quiet) {
  if (format != "table" && format != "json")
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("invalid format option \"{}\"", printable(format)));
  auto all = TRY(list_containers(g.root));
  if (quiet) {
    for (const auto& s : all) std::printf("%s\n", s.id.c_str());
  } else if (format == "json") {
    oci::Json a = oci::Json::array();
    for (const auto& s : all) a.push_back(state_json(s));
    std::printf("%s\n", oci::dump_json(a).c_str());
  } else {
    print_table(all);
  }
  return 0;
}

}  // namespace

void add_list(CLI::App& app, Globals& g, Action& action) {
  struct Options {
    std::string format = "table";
    bool quiet = false;
  };
  auto o = std::make_shared<Options>();
  auto* c = app.add_subcommand("list", "List containers");
  c->alias("ps");
  c->add_option("-f,--format", o->format, "table or json");
  c->add_flag("-q,--quiet", o->quiet, "Only IDs");
  c->callback(
      [&g, &action, o] { action = [&g, o] { return print_list(g, o->format, o->quiet); }; });
}

}  // namespace strata::runtime::cli
