// SPDX-License-Identifier: Apache-2.0
// `strata volume create|ls|inspect|rm|prune`: Docker's flags, columns and texts, on
// container/volumes.h. Failures exit 1, as Docker's volume commands do.
#include "container/volumes.h"

#include <set>

#include "cli/command.h"
#include "cli/output.h"
#include "util/strings.h"

namespace strata::cli {

namespace {

using container::Volume;
using container::Volumes;

std::string labels_text(const Volume& v) {
  std::string out;
  for (const auto& [k, val] : v.labels) out += (out.empty() ? "" : ",") + k + "=" + val;
  return out;
}

oci::Json inspect_json(const Volume& v) {
  oci::Json labels = oci::Json::object();
  for (const auto& [k, val] : v.labels) labels[k] = val;
  return {{"CreatedAt", format_rfc3339(v.created_ns / 1000000000)},
          {"Driver", v.driver},
          {"Labels", labels},
          {"Mountpoint", v.mountpoint},
          {"Name", v.name},
          {"Options", oci::Json::object()},
          {"Scope", "local"}};
}

struct LsFlags {
  bool quiet = false;
  std::vector<std::string> filters;
  std::string format;
};

// Docker's volume filters: dangling=true|false, name=<substring>, label=<key>[=<value>],
// driver=<name>. All given filters must match (Docker ORs values of one key; so do we).
Result<std::vector<Volume>> filter_volumes(Volumes& vols, const std::vector<std::string>& filters) {
  std::map<std::string, std::vector<std::string>> by_key;
  for (const auto& f : filters) {
    size_t eq = f.find('=');
    std::string key = f.substr(0, eq);
    if (eq == std::string::npos ||
        (key != "dangling" && key != "name" && key != "label" && key != "driver"))
      return Error::make(Errc::kInvalidArgument, fmt::format("invalid filter '{}'", printable(f)));
    std::string val = f.substr(eq + 1);
    if (key == "dangling" && val != "true" && val != "false" && val != "1" && val != "0")
      return Error::make(Errc::kInvalidArgument,
                         fmt::format("invalid filter 'dangling={}'", printable(val)));
    by_key[key].push_back(val);
  }
  std::vector<Volume> out;
  for (auto& v : TRY(vols.list())) {
    bool keep = true;
    for (const auto& [key, vals] : by_key) {
      bool any = false;
      for (const auto& val : vals) {
        if (key == "dangling") {
          bool unused = TRY(vols.users(v.name)).empty();
          any = any || unused == (val == "true" || val == "1");
        } else if (key == "name") {
          any = any || v.name.find(val) != std::string::npos;
        } else if (key == "driver") {
          any = any || v.driver == val;
        } else {
          size_t eq = val.find('=');
          auto it = v.labels.find(val.substr(0, eq));
          any = any || (it != v.labels.end() &&
                        (eq == std::string::npos || it->second == val.substr(eq + 1)));
        }
      }
      keep = keep && any;
    }
    if (keep) out.push_back(std::move(v));
  }
  return out;
}

Result<int> ls_command(const Context& ctx, const LsFlags& f) {
  auto store = TRY(ctx.open_store());
  Volumes vols(*store);
  auto list = TRY(filter_volumes(vols, f.filters));
  if (f.quiet) {
    for (const auto& v : list) std::printf("%s\n", v.name.c_str());
    return 0;
  }
  std::vector<oci::Json> rows;
  for (const auto& v : list)
    rows.push_back({{"Name", v.name},
                    {"Driver", v.driver},
                    {"Scope", "local"},
                    {"Mountpoint", v.mountpoint},
                    {"Labels", labels_text(v)},
                    {"Links", TRY(vols.users(v.name)).size()},
                    {"Size", "N/A"}});
  std::string format = f.format.empty() ? "table {{.Driver}}\t{{.Name}}" : f.format;
  Listing how;
  how.headers = {{"Name", "VOLUME NAME"}, {"Driver", "DRIVER"},
                 {"Scope", "SCOPE"},      {"Mountpoint", "MOUNTPOINT"},
                 {"Labels", "LABELS"},    {"Links", "LINKS"},
                 {"Size", "SIZE"}};
  how.type_name = "*formatter.volumeContext";
  how.default_table = "table {{.Driver}}\t{{.Name}}";
  TRY(print_formatted(format, rows, how, stdout));
  return 0;
}

Result<std::map<std::string, std::string>> parse_labels(const std::vector<std::string>& given) {
  std::map<std::string, std::string> out;
  for (const auto& l : given) {
    size_t eq = l.find('=');
    if (l.substr(0, eq).empty())
      return Error::make(Errc::kInvalidArgument, fmt::format("invalid label '{}'", printable(l)));
    out[l.substr(0, eq)] = eq == std::string::npos ? "" : l.substr(eq + 1);
  }
  return out;
}

Result<int> inspect_command(const Context& ctx, const std::vector<std::string>& names,
                            const std::string& format) {
  auto store = TRY(ctx.open_store());
  Volumes vols(*store);
  return print_inspected(names, format, [&](const std::string& n) -> Result<oci::Json> {
    return inspect_json(TRY(vols.get(n)));
  });
}

Result<int> rm_command(const Context& ctx, const std::vector<std::string>& names, bool force) {
  auto store = TRY(ctx.open_store());
  Volumes vols(*store);
  int rc = 0;
  for (const auto& n : names) {
    auto r = vols.remove(n);
    if (r.ok()) {
      std::printf("%s\n", n.c_str());
    } else if (!(force && r.error().code() == Errc::kNotFound)) {
      // -f forgives only a volume that does not exist: one in use stays (Docker's rule).
      std::fflush(stdout);
      print_error(r.error());
      rc = 1;
    }
  }
  return rc;
}

Result<int> prune_command(const Context& ctx, bool all, bool force) {
  if (!force && !confirm(all ? "WARNING! This will remove all local volumes not used by at least "
                               "one container.\nAre you sure you want to continue?"
                             : "WARNING! This will remove anonymous local volumes not used by at "
                               "least one container.\nAre you sure you want to continue?"))
    return 0;
  auto store = TRY(ctx.open_store());
  auto [names, bytes] = TRY(Volumes(*store).prune(all));
  print_deleted("Deleted Volumes:", names);
  std::printf("Total reclaimed space: %s\n", human_size(bytes).c_str());
  return 0;
}

}  // namespace

void register_volume_commands(CLI::App& app, Context& ctx) {
  CLI::App* group = app.add_subcommand("volume", "Manage volumes");
  group->require_subcommand(1);

  auto create = std::make_shared<std::pair<std::string, std::vector<std::string>>>();
  auto driver = std::make_shared<std::string>("local");
  CLI::App* c = group->add_subcommand("create", "Create a volume");
  c->add_option("VOLUME", create->first, "Volume name");
  c->add_option("--name", create->first, "Specify volume name");
  c->add_option("--label", create->second, "Set metadata for a volume")->allow_extra_args(false);
  c->add_option("-d,--driver", *driver, "Specify volume driver name (local)");
  c->callback([&ctx, create, driver] {
    ctx.action = [&ctx, create, driver]() -> Result<int> {
      if (*driver != "local")
        return Error::make(Errc::kNotFound,
                           fmt::format("create {}: volume driver {} is not supported (only local)",
                                       printable(create->first), printable(*driver)));
      auto labels = TRY(parse_labels(create->second));
      auto store = TRY(ctx.open_store());
      // No name: a random one, as Docker (such a volume is not anonymous).
      std::string name = create->first.empty() ? container::new_id() : create->first;
      Volume v = TRY(Volumes(*store).create(name, labels));
      std::printf("%s\n", v.name.c_str());
      return 0;
    };
  });

  auto ls = std::make_shared<LsFlags>();
  CLI::App* l = group->add_subcommand("ls", "List volumes");
  l->alias("list");
  l->add_flag("-q,--quiet", ls->quiet, "Only display volume names");
  l->add_option("-f,--filter", ls->filters, "Provide filter values (e.g. \"dangling=true\")")
      ->allow_extra_args(false);
  l->add_option("--format", ls->format, "Format output using a custom template");
  l->callback([&ctx, ls] { ctx.action = [&ctx, ls] { return ls_command(ctx, *ls); }; });

  auto insp = std::make_shared<std::pair<std::vector<std::string>, std::string>>();
  CLI::App* i = group->add_subcommand("inspect", "Display detailed information on volumes");
  i->add_option("VOLUME", insp->first)->required();
  i->add_option("-f,--format", insp->second, "Format output using a custom template");
  i->callback([&ctx, insp] {
    ctx.action = [&ctx, insp] { return inspect_command(ctx, insp->first, insp->second); };
  });

  auto rm = std::make_shared<std::pair<std::vector<std::string>, bool>>();
  CLI::App* r = group->add_subcommand("rm", "Remove one or more volumes");
  r->alias("remove");
  r->add_option("VOLUME", rm->first)->required();
  r->add_flag("-f,--force", rm->second, "Do not fail on volumes that do not exist");
  r->callback(
      [&ctx, rm] { ctx.action = [&ctx, rm] { return rm_command(ctx, rm->first, rm->second); }; });

  auto prune = std::make_shared<std::pair<bool, bool>>();
  CLI::App* p = group->add_subcommand("prune", "Remove unused local volumes");
  p->add_flag("-a,--all", prune->first, "Remove all unused volumes, not just anonymous ones");
  p->add_flag("-f,--force", prune->second, "Do not prompt for confirmation");
  p->callback([&ctx, prune] {
    ctx.action = [&ctx, prune] { return prune_command(ctx, prune->first, prune->second); };
  });
}

}  // namespace strata::cli
