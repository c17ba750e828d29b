// SPDX-License-Identifier: Apache-2.0
// `inspect`, `container inspect` and `image inspect` (cli/inspect.h). Container objects
// follow Docker's ContainerJSON: Id, Created, Path, Args, State, Image, the generated
// files' paths, Name "/name", HostConfig, GraphDriver, Mounts, Config, NetworkSettings.
// Times never set print as Go's zero time, 0001-01-01T00:00:00Z, as Docker's do.
#include "cli/inspect.h"

#include <algorithm>

#include "cli/output.h"
#include "container/healthcheck.h"
#include "container/prune.h"
#include "oci/reference.h"
#include "util/strings.h"

namespace strata::cli {

namespace {

using container::Container;

// The image's layer directories, topmost first, as overlay's lowerdir lists them.
std::string lower_dirs(store::Store& store, const store::ImageRecord& img) {
  std::string lower;
  for (auto it = img.layers.rbegin(); it != img.layers.rend(); ++it)
    lower += (lower.empty() ? "" : ":") + store.layer_dir(it->diff_id);
  return lower;
}

Result<oci::Json> image_json(store::Store& store, const store::ImageRecord& img) {
  auto config = TRY(store.load_config(img));
  oci::Json repo_tags = oci::Json::array(), repo_digests = oci::Json::array();
  std::vector<std::string> repos;
  for (const auto& t : img.tags) {
    auto ref = TRY_CTX(oci::parse_reference(t), "stored tag");
    repo_tags.push_back(ref.familiar());
    std::string d = ref.familiar_repository() + "@" + img.manifest_digest.str();
    if (std::find(repos.begin(), repos.end(), d) == repos.end()) repos.push_back(d);
  }
  for (const auto& d : repos) repo_digests.push_back(d);
  oci::Json layers = oci::Json::array();
  for (const auto& id : config.diff_ids) layers.push_back(id.str());
  std::string lower = lower_dirs(store, img);
  const oci::Json& doc = config.doc;
  auto str_or_empty = [&](const char* k) {
    return doc.contains(k) && doc[k].is_string() ? doc[k].get<std::string>() : std::string();
  };
  return oci::Json{{"Id", img.id.str()},
                   {"RepoTags", repo_tags},
                   {"RepoDigests", repo_digests},
                   {"Parent", ""},
                   {"Comment", str_or_empty("comment")},
                   {"Created", config.created},
                   {"Author", str_or_empty("author")},
                   {"Config", doc.contains("config") ? doc["config"] : oci::Json::object()},
                   {"Architecture", config.architecture},
                   {"Os", config.os},
                   {"Size", img.size()},
                   {"GraphDriver", {{"Name", "overlay"}, {"Data", {{"LowerDir", lower}}}}},
                   {"RootFS", {{"Type", "layers"}, {"Layers", layers}}},
                   {"Metadata", {{"LastTagTime", format_rfc3339(img.added)}}}};
}

// Go's time.RFC3339Nano (trailing zeros of the fraction dropped); zero: Go's zero time.
std::string rfc3339_nano(int64_t ns) {
  if (ns == 0) return "0001-01-01T00:00:00Z";
  std::string s = format_rfc3339(ns / 1000000000, ns % 1000000000);
  if (s.find('.') != std::string::npos) {
    s.pop_back();  // Z
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    s += 'Z';
  }
  return s;
}

oci::Json state_json(const Container& c) {
  const auto& s = c.state;
  return {{"Status", s.status},
          {"Running", s.running()},
          {"Paused", s.status == "paused"},
          {"Restarting", s.status == "restarting"},
          {"OOMKilled", s.oom_killed},
          {"Dead", s.status == "dead"},
          {"Pid", s.running() ? s.pid : 0},
          {"ExitCode", s.exit_code},
          {"Error", ""},
          {"StartedAt", rfc3339_nano(s.started_ns)},
          {"FinishedAt", rfc3339_nano(s.finished_ns)}};
}

// Path and Args: the process the container runs, entrypoint then command.
std::pair<std::string, oci::Json> process_json(const Container& c) {
  std::vector<std::string> argv;
  for (const char* k : {"Entrypoint", "Cmd"}) {
    auto it = c.config.find(k);
    if (it == c.config.end() || !it->is_array()) continue;
    for (const auto& a : *it)
      if (a.is_string()) argv.push_back(a.get<std::string>());
  }
  oci::Json args = oci::Json::array();
  for (size_t i = 1; i < argv.size(); ++i) args.push_back(argv[i]);
  return {argv.empty() ? "" : argv[0], args};
}

oci::Json network_settings(const Container& c) {
  auto recorded = oci::get_string_or(c.host_config, "NetworkMode", "none");
  std::string mode = recorded.ok() ? *recorded : "none";
  oci::Json endpoint = {{"NetworkID", ""}, {"EndpointID", ""}, {"Gateway", ""},
                        {"IPAddress", ""}, {"IPPrefixLen", 0}, {"MacAddress", ""}};
  return {{"Bridge", ""},
          {"SandboxID", ""},
          {"Ports", oci::Json::object()},
          {"Gateway", ""},
          {"IPAddress", ""},
          {"IPPrefixLen", 0},
          {"MacAddress", ""},
          {"Networks", {{mode, endpoint}}}};
}

// Docker's GraphDriver: overlay's directories, or for vfs (whose driver gives Docker no
// metadata) a null Data.
oci::Json graph_driver(const Container& c, const std::string& lower, const std::string& dir) {
  if (c.driver == "vfs") return {{"Name", c.driver}, {"Data", nullptr}};
  return {{"Name", c.driver},
          {"Data",
           {{"LowerDir", lower},
            {"MergedDir", dir + "/merged"},
            {"UpperDir", dir + "/upper"},
            {"WorkDir", dir + "/work"}}}};
}

Result<oci::Json> container_json(const EngineEnv& env, const Container& c, bool size) {
  const container::Engine& engine = *env.engine;
  std::string dir = engine.dir(c);
  auto img = env.store->get_image(c.image_id);
  std::string lower = img.ok() ? lower_dirs(*env.store, *img) : "";
  auto [path, args] = process_json(c);
  oci::Json j = {{"Id", c.id},
                 {"Created", rfc3339_nano(c.created_ns)},
                 {"Path", path},
                 {"Args", args},
                 {"State", state_json(c)},
                 {"Image", c.image_id.str()},
                 {"ResolvConfPath", dir + "/resolv.conf"},
                 {"HostnamePath", dir + "/hostname"},
                 {"HostsPath", dir + "/hosts"},
                 {"LogPath", engine.log_path(c)},
                 {"Name", "/" + c.name},
                 {"RestartCount", c.state.restart_count},
                 {"Driver", c.driver},
                 {"Platform", "linux"},
                 {"MountLabel", ""},
                 {"ProcessLabel", ""},
                 {"AppArmorProfile", ""},
                 {"ExecIDs", nullptr},
                 {"HostConfig", c.host_config},
                 {"GraphDriver", graph_driver(c, lower, dir)},
                 {"Mounts", c.mounts},
                 {"Config", c.config},
                 {"NetworkSettings", network_settings(c)}};
  // Docker's State.Health, last in State: only for a container with a probe that has run.
  if (oci::Json health = container::health_state(engine, c); !health.is_null())
    j["State"]["Health"] = std::move(health);
  if (size) {
    uint64_t rw = TRY(container::rw_size(*env.engine, c));
    j["SizeRw"] = rw;
    j["SizeRootFs"] = rw + (img.ok() ? static_cast<uint64_t>(img->size()) : 0);
  }
  return j;
}

struct InspectFlags {
  std::vector<std::string> names;
  std::string format, type;
  bool size = false;
};

// One name: a container first, then an image, as `docker inspect` looks; kNotFound
// "Error: No such object: X", or with a --type the engine's or the store's error.
Result<oci::Json> inspect_one(const EngineEnv& env, const InspectFlags& f,
                              const std::string& name) {
  if (f.type != "image") {
    auto c = env.engine->get(name);
    if (c.ok()) return container_json(env, *c, f.size);
    if (c.error().code() != Errc::kNotFound || f.type == "container") return std::move(c).error();
  }
  if (f.type != "container") {
    auto img = env.store->resolve(name);
    if (img.ok()) return image_json(*env.store, *img);
    if (img.error().code() != Errc::kNotFound || f.type == "image") return std::move(img).error();
  }
  return Error::make(Errc::kNotFound, fmt::format("Error: No such object: {}", printable(name)));
}

Result<int> inspect_command(const Context& ctx, const InspectFlags& f) {
  if (!f.type.empty() && f.type != "container" && f.type != "image")
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("\"{}\" is not a valid value for --type", printable(f.type)));
  auto env = TRY(ctx.open_engine());
  return print_inspected(f.names, f.format,
                         [&](const std::string& name) { return inspect_one(env, f, name); });
}

void add_inspect_flags(CLI::App* c, InspectFlags& f, bool with_type) {
  c->add_option("NAME", f.names, "Container or image")->required();
  c->add_option("-f,--format", f.format,
                "Format output using a custom template: 'json' or a Go template");
  c->add_flag("-s,--size", f.size, "Display total file sizes if the type is container");
  if (with_type) c->add_option("--type", f.type, "Only inspect objects of the given type");
}

}  // namespace

Result<int> inspect_images(const Context& ctx, const std::vector<std::string>& names,
                           const std::string& format) {
  return inspect_command(ctx, {names, format, "image", false});
}

void register_inspect_commands(CLI::App& app, CLI::App& group, Context& ctx) {
  auto top = std::make_shared<InspectFlags>();
  CLI::App* c = app.add_subcommand("inspect", "Return low-level information on Docker objects");
  add_inspect_flags(c, *top, true);
  c->preparse_callback([&ctx](size_t) { ctx.error_code = 125; });
  c->callback([top, &ctx] { ctx.action = [top, &ctx] { return inspect_command(ctx, *top); }; });

  auto ct = std::make_shared<InspectFlags>();
  ct->type = "container";
  c = group.add_subcommand("inspect", "Display detailed information on one or more containers");
  add_inspect_flags(c, *ct, false);
  c->preparse_callback([&ctx](size_t) { ctx.error_code = 125; });
  c->callback([ct, &ctx] { ctx.action = [ct, &ctx] { return inspect_command(ctx, *ct); }; });
}

}  // namespace strata::cli
