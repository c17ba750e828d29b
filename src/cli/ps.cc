// SPDX-License-Identifier: Apache-2.0
// `strata ps` / `container ls`: the containers, newest first, with Docker's columns,
// -a -q -n -l -s --no-trunc, --filter (container/filter.h) and --format over Docker's
// fields (.ID .Image .Command .CreatedAt .RunningFor .Ports .State .Status .Size .Names
// .Labels .Label "k" .Mounts .Networks .LocalVolumes).
#include <time.h>

#include <algorithm>

#include "cli/command.h"
#include "cli/container_io.h"
#include "cli/output.h"
#include "container/filter.h"
#include "container/healthcheck.h"
#include "container/prune.h"
#include "util/strings.h"

namespace strata::cli {

namespace {

using container::Container;

struct PsFlags {
  bool all = false, quiet = false, no_trunc = false, latest = false, size = false;
  int last = -1;
  std::vector<std::string> filters;
  std::string format;
};

std::string quoted_command(const Container& c, bool no_trunc) {
  std::string cmd = container::command_line(c);
  cmd = "\"" + cmd + "\"";
  if (!no_trunc && cmd.size() > 22) cmd = cmd.substr(0, 20) + "…\"";
  return cmd;
}

// `health` as health_status gives it; a running container shows it as Docker does:
// "Up 5 seconds (healthy)", "(unhealthy)", "(health: starting)".
std::string status_text(const Container& c, int64_t now, const std::string& health) {
  const auto& s = c.state;
  if (s.restarting())
    return fmt::format("Restarting ({}) {}", s.exit_code,
                       human_duration_ago(s.finished_ns / 1000000000, now));
  if (s.running()) {
    std::string up = human_duration_ago(s.started_ns / 1000000000, now);
    std::string suffix = s.paused()             ? " (Paused)"
                         : health == "none"     ? ""
                         : health == "starting" ? " (health: starting)"
                                                : " (" + health + ")";
    return "Up " + up.substr(0, up.size() - 4) + suffix;  // no " ago"
  }
  if (s.status == "exited")
    return fmt::format("Exited ({}) {}", s.exit_code,
                       human_duration_ago(s.finished_ns / 1000000000, now));
  if (s.status == "dead") return "Dead";
  return "Created";
}

// Go's time.Time.String() of a creation time, in local time: "2026-12-02 13:09:04 +0000 UTC".
std::string go_time_string(int64_t ns) {
  time_t t = static_cast<time_t>(ns / 1000000000);
  struct tm tm {};
  ::localtime_r(&t, &tm);
  char buf[64];
  ::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %z %Z", &tm);
  return buf;
}

std::string labels_text(const oci::Json& labels) {
  std::vector<std::string> kv;
  if (labels.is_object())
    for (auto it = labels.begin(); it != labels.end(); ++it)
      kv.push_back(it.key() + "=" + (it->is_string() ? it->get<std::string>() : ""));
  std::sort(kv.begin(), kv.end());
  std::string out;
  for (const auto& s : kv) out += (out.empty() ? "" : ",") + s;
  return out;
}

// Docker's .Mounts: each mount's volume name, or its source, 15 characters at most
// unless --no-trunc; and .LocalVolumes: how many are volumes of the local driver.
std::pair<std::string, int> mounts_text(const Container& c, bool no_trunc) {
  std::string out;
  int local = 0;
  // A recorded field of the wrong type reads as empty (json's value() would throw).
  auto text = [](const oci::Json& m, const char* k) {
    auto v = oci::get_string_or(m, k, "");
    return v.ok() ? *v : std::string();
  };
  for (const auto& m : c.mounts) {
    std::string name = text(m, "Name");
    if (name.empty()) name = text(m, "Source");
    if (!no_trunc && name.size() > 15) name = name.substr(0, 14) + "…";
    out += (out.empty() ? "" : ",") + name;
    if (text(m, "Driver") == "local") ++local;
  }
  return {out, local};
}

// SIZE: bytes written in the container's rw layer, then with the image's layers.
Result<std::string> size_text(container::Engine& engine, store::Store& store, const Container& c) {
  uint64_t rw = TRY(container::rw_size(engine, c));
  auto img = store.get_image(c.image_id);
  uint64_t image = img.ok() ? static_cast<uint64_t>(img->size()) : 0;
  return fmt::format("{} (virtual {})", human_size(rw, 3), human_size(rw + image, 3));
}

Result<oci::Json> ps_row(const EngineEnv& env, const Container& c, const PsFlags& f, bool with_size,
                         int64_t now) {
  auto [mounts, local_volumes] = mounts_text(c, f.no_trunc);
  oci::Json labels = c.config.contains("Labels") ? c.config["Labels"] : oci::Json::object();
  return oci::Json{
      {"Command", quoted_command(c, f.no_trunc)},
      {"CreatedAt", go_time_string(c.created_ns)},
      {"ID", f.no_trunc ? c.id : c.short_id()},
      {"Image", c.image_name},
      {"Labels", labels_text(labels)},
      {"LocalVolumes", std::to_string(local_volumes)},
      {"Mounts", mounts},
      {"Names", c.name},
      {"Networks", TRY(oci::get_string_or(c.host_config, "NetworkMode", ""))},
      {"Ports", ""},
      {"RunningFor", human_duration_ago(c.created_ns / 1000000000, now)},
      {"Size", with_size ? TRY(size_text(*env.engine, *env.store, c)) : std::string("0B")},
      {"State", c.state.status},
      {"Status", status_text(c, now, container::health_status(*env.engine, c))}};
}

// What the filters name in the store: ancestor images, before/since containers.
Result<container::ResolvedFilters> resolve_filters(const EngineEnv& env,
                                                   const container::Filters& f) {
  container::ResolvedFilters r;
  if (f.has("health")) {
    const container::Engine* engine = env.engine.get();
    r.health = [engine](const Container& c) { return container::health_status(*engine, c); };
  }
  if (f.has("ancestor"))
    for (const auto& name : f.values.at("ancestor")) {
      auto img = env.store->resolve(name);
      if (img.ok()) {
        r.ancestor_ids.push_back(img->id.str());
      } else if (img.error().code() != Errc::kNotFound) {
        return std::move(img).error();
      }  // an image that is not there matches no container, as in dockerd
    }
  for (const char* key : {"before", "since"}) {
    if (!f.has(key)) continue;
    Container c = TRY(env.engine->get(f.values.at(key).back()));
    (std::string_view(key) == "before" ? r.before : r.since) = std::move(c);
  }
  return r;
}

// The labels of each listed container, by the ID it is shown with, for .Label "k".
TemplateMethod label_method(std::shared_ptr<std::map<std::string, oci::Json>> labels) {
  return [labels](const oci::Json& self, const std::vector<oci::Json>& args) -> Result<oci::Json> {
    if (args.size() != 1 || !args[0].is_string())
      return Error::make(Errc::kInvalidArgument,
                         fmt::format("wrong number of args for Label: want 1 got {}", args.size()));
    auto it = labels->find(self.value("ID", ""));
    if (it == labels->end() || !it->second.is_object()) return oci::Json("");
    return it->second.value(args[0].get<std::string>(), oci::Json(""));
  };
}

Listing ps_listing(bool with_size) {
  Listing how;
  how.headers = {
      {"ID", "CONTAINER ID"},      {"Image", "IMAGE"},        {"Command", "COMMAND"},
      {"CreatedAt", "CREATED AT"}, {"RunningFor", "CREATED"}, {"Ports", "PORTS"},
      {"State", "STATE"},          {"Status", "STATUS"},      {"Size", "SIZE"},
      {"Names", "NAMES"},          {"Labels", "LABELS"},      {"Label", "LABEL"},
      {"Mounts", "MOUNTS"},        {"Networks", "NETWORKS"},  {"LocalVolumes", "LOCAL VOLUMES"}};
  how.type_name = "*formatter.ContainerContext";
  how.default_table =
      "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{."
      "Names}}";
  if (with_size) how.default_table += "\t{{.Size}}";
  return how;
}

Result<int> ps_command(const Context& ctx, const PsFlags& f) {
  auto filters = TRY(container::parse_filters(f.filters));
  auto env = TRY(ctx.open_engine());
  auto resolved = TRY(resolve_filters(env, filters));
  auto list = TRY(env.engine->list());
  int64_t now = static_cast<int64_t>(::time(nullptr));
  int limit = f.latest ? 1 : f.last;
  bool all = f.all || filters.implies_all() || limit >= 0;
  std::vector<Container> shown;
  for (auto& c : list) {
    if (!all && !c.state.running()) continue;
    if (!container::matches(filters, resolved, c)) continue;
    if (limit >= 0 && static_cast<int>(shown.size()) >= limit) break;
    shown.push_back(std::move(c));
  }
  if (f.quiet) {
    for (const auto& c : shown)
      std::printf("%s\n", f.no_trunc ? c.id.c_str() : c.short_id().c_str());
    return 0;
  }
  // As Docker's CLI: a format that shows .Size asks for the sizes.
  bool with_size = f.size || f.format.find(".Size") != std::string::npos;
  Listing how = ps_listing(f.size);
  auto labels = std::make_shared<std::map<std::string, oci::Json>>();
  how.methods["Label"] = label_method(labels);
  std::vector<oci::Json> rows;
  for (const auto& c : shown) {
    rows.push_back(TRY(ps_row(env, c, f, with_size, now)));
    (*labels)[rows.back()["ID"].get<std::string>()] = c.config.value("Labels", oci::Json());
  }
  TRY(print_formatted(f.format.empty() ? how.default_table : f.format, rows, how, stdout));
  return 0;
}

}  // namespace

void register_ps_command(const AddBoth& both, CLI::App& group, Context& ctx) {
  auto ps = std::make_shared<PsFlags>();
  both("ps", {"ls", "list"}, "List containers", [=, &ctx](CLI::App* c) {
    c->add_flag("-a,--all", ps->all, "Show all containers (default shows just running)");
    c->add_flag("-q,--quiet", ps->quiet, "Only display container IDs");
    c->add_flag("--no-trunc", ps->no_trunc, "Don't truncate output");
    c->add_flag("-l,--latest", ps->latest,
                "Show the latest created container (includes all states)");
    c->add_option("-n,--last", ps->last, "Show n last created containers (includes all states)");
    c->add_flag("-s,--size", ps->size, "Display total file sizes");
    c->add_option("-f,--filter", ps->filters, "Filter output based on conditions provided")
        ->take_all();
    c->add_option("--format", ps->format,
                  "Format output using a custom template: 'table', 'table TEMPLATE', 'json', "
                  "or a Go template");
    c->callback([=, &ctx] { ctx.action = [=, &ctx] { return ps_command(ctx, *ps); }; });
  });
  // `container ls` is ps under its other name.
  for (CLI::App* sub : group.get_subcommands({}))
    if (sub->get_name() == "ps") sub->alias("ls");
}

}  // namespace strata::cli
