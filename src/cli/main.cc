// SPDX-License-Identifier: Apache-2.0
// The strata engine CLI: Docker's command line over the Strata library. Errors are
// printed once, here, as "strata: <what failed>: <why>", with exit code 1 (125 for a
// command-line usage error, as Docker).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "snapshot/snapshot.h"
#include "util/log.h"
#include "util/strings.h"

namespace strata::cli {

void print_error(const Error& e) {
  // Names from outside are escaped where errors are made; this catches any that were not
  // (a message from a library, a path): no byte of an error drives the terminal.
  std::fprintf(stderr, "strata: %s\n", printable(e.message()).c_str());
}

bool confirm(const char* question) {
  std::fprintf(stderr, "%s [y/N] ", question);
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes";
}

namespace {

// A helper binary beside this one (installed) or in its build-tree folder.
std::string helper_path(const char* name, const char* build_dir, const char* env) {
  if (const char* v = ::getenv(env); v && *v) return v;
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  std::string dir = n > 0 ? std::string(self, static_cast<size_t>(n)) : "";
  dir = dir.substr(0, dir.rfind('/'));
  for (const std::string& p :
       {dir + "/" + name, dir + "/../" + build_dir + "/" + name, std::string("/usr/bin/") + name})
    if (::access(p.c_str(), X_OK) == 0) return p;
  return dir + "/" + name;
}

std::string self_path() {
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  return n > 0 ? std::string(self, static_cast<size_t>(n)) : "strata";
}

}  // namespace

Result<EngineEnv> Context::open_engine() const {
  EngineEnv env;
  env.store = TRY(open_store());
  container::Paths paths;
  paths.run_root = globals.run_root;
  paths.monitor = helper_path("strata-monitor", "container", "STRATA_MONITOR");
  paths.runtime = helper_path("strata-runtime", "runtime", "STRATA_RUNTIME");
  paths.runtime_name = "strata-runtime";
  paths.storage_driver = globals.storage_driver;
  paths.self = self_path();
  env.engine = std::make_unique<container::Engine>(*env.store, paths);
  return env;
}

void add_command_pair(CLI::App& app, CLI::App& image, const std::string& top_name,
                      const std::vector<std::string>& image_names, const std::string& help,
                      const std::function<void(CLI::App&)>& setup) {
  if (!top_name.empty()) setup(*app.add_subcommand(top_name, help));
  CLI::App* sub = image.add_subcommand(image_names.front(), help);
  for (size_t i = 1; i < image_names.size(); ++i) sub->alias(image_names[i]);
  setup(*sub);
}

namespace {

// Docker's flag library takes "-X=value" for short flags too; CLI11 does not, so split
// such arguments into "-X" "value" (up to a "--").
std::vector<std::string> pflag_compatible(int argc, char** argv) {
  std::vector<std::string> out;
  bool options_done = false;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") options_done = true;
    if (!options_done && i > 0 && a.size() > 3 && a[0] == '-' && a[1] != '-' && a[2] == '=') {
      out.push_back(a.substr(0, 2));
      out.push_back(a.substr(3));
    } else {
      out.push_back(std::move(a));
    }
  }
  return out;
}

CLI::App* find_subcommand(CLI::App& parent, const std::string& name) {
  for (CLI::App* sub : parent.get_subcommands([](CLI::App*) { return true; }))
    if (sub->check_name(name)) return sub;
  return nullptr;
}

// Docker's words for a command that does not exist, instead of CLI11's "A subcommand is
// required": "'foo' is not a strata command." (and 'container foo' under a group). The
// words before the command are the global options, some of which take a value.
bool report_unknown_command(CLI::App& app, const std::vector<std::string>& args) {
  static const char* const kValued[] = {"--runroot", "--root", "--log-level", "--max-layer-size",
                                        "--storage-driver"};
  size_t i = 1;
  while (i < args.size() && args[i].starts_with("-") && args[i] != "--") {
    bool valued = std::any_of(std::begin(kValued), std::end(kValued),
                              [&](const char* o) { return args[i] == o; });
    i += valued ? 2 : 1;
  }
  if (i >= args.size() || args[i] == "--") return false;
  CLI::App* cmd = find_subcommand(app, args[i]);
  std::string path = args[i], help = "strata --help";
  if (cmd != nullptr) {
    // A group (container, image, system): its first word must be one of its commands.
    if (cmd->get_require_subcommand_min() == 0 || i + 1 >= args.size() ||
        args[i + 1].starts_with("-") || find_subcommand(*cmd, args[i + 1]) != nullptr)
      return false;
    path += " " + args[i + 1];
    help = "strata " + args[i] + " --help";
  }
  std::fprintf(stderr, "strata: '%s' is not a strata command.\nSee '%s'\n", printable(path).c_str(),
               help.c_str());
  return true;
}

int run(int argc, char** argv) {
  CLI::App app{"Strata: a container engine with Docker's command line", "strata"};
  app.require_subcommand(1);
  app.set_version_flag("-v,--version", "strata version " STRATA_VERSION);
  Context ctx;
  ctx.globals.root = store::default_root();
  const char* run_root = ::getenv("STRATA_RUNROOT");
  ctx.globals.run_root = run_root && *run_root ? run_root : "/run/strata";
  app.add_option("--runroot", ctx.globals.run_root,
                 "Root of the run state: monitors, runtime state (env STRATA_RUNROOT)");
  app.add_option("--root", ctx.globals.root, "Root of the image store (env STRATA_ROOT)");
  app.add_option("--log-level", ctx.globals.log_level, "debug, info, warn or error");
  app.add_option("--max-layer-size", ctx.globals.max_layer_size,
                 "Most bytes one layer may expand to (e.g. 20g; default: the store's free "
                 "space less 5% of its size)")
      ->envname("STRATA_MAX_LAYER_SIZE");
  app.add_option("--storage-driver", ctx.globals.storage_driver,
                 "Storage driver of new containers: overlay or vfs (a full copy; default: "
                 "overlay where the store's file system takes it, else vfs)")
      ->envname("STRATA_STORAGE_DRIVER");
  CLI::App* image = app.add_subcommand("image", "Manage images");
  image->require_subcommand(1);
  register_images_command(app, *image, ctx);
  register_image_commands(app, *image, ctx);
  register_io_commands(app, *image, ctx);
  register_system_commands(app, ctx);
  register_container_commands(app, ctx);
  register_volume_commands(app, ctx);
  std::vector<std::string> args = pflag_compatible(argc, argv);
  if (report_unknown_command(app, args)) return 1;
  std::vector<char*> cargs;
  for (auto& a : args) cargs.push_back(a.data());
  try {
    app.parse(static_cast<int>(cargs.size()), cargs.data());
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "strata: %s\nSee 'strata --help'.\n", printable(e.what()).c_str());
    return 125;
  }
  log::Level level;
  if (!log::parse_level(ctx.globals.log_level, &level)) {
    std::fprintf(stderr, "strata: invalid --log-level \"%s\"\n",
                 printable(ctx.globals.log_level).c_str());
    return 125;
  }
  log::set_level(level);
  if (!ctx.globals.max_layer_size.empty() &&
      !parse_size(ctx.globals.max_layer_size, &ctx.globals.max_layer_bytes)) {
    std::fprintf(stderr,
                 "strata: invalid --max-layer-size \"%s\": want a size such as 512m or 20g\n",
                 printable(ctx.globals.max_layer_size).c_str());
    return 125;
  }
  if (!ctx.globals.storage_driver.empty() &&
      !snapshot::parse_driver(ctx.globals.storage_driver).ok()) {
    std::fprintf(stderr, "strata: invalid --storage-driver \"%s\": want overlay or vfs\n",
                 printable(ctx.globals.storage_driver).c_str());
    return 125;
  }
  if (!ctx.action) return 0;
  auto r = run_guarded(ctx.action);
  std::fflush(stdout);  // what the command printed comes before its error
  if (!r.ok()) {
    print_error(r.error());
    return ctx.error_code;
  }
  return *r;
}

}  // namespace
}  // namespace strata::cli

int main(int argc, char** argv) { return strata::cli::run(argc, argv); }
