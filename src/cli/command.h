// SPDX-License-Identifier: Apache-2.0
// What every command shares: global flags, opening the store, and registration hooks.
// Each command file registers its subcommands on the CLI11 app and runs one library call.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "container/container.h"
#include "store/store.h"
#include "util/result.h"

namespace strata::cli {

struct Globals {
  std::string root;
  std::string log_level = "warn";
  std::string max_layer_size;    // --max-layer-size as given ("" or "0": the default)
  uint64_t max_layer_bytes = 0;  // ... parsed
  std::string run_root;          // --runroot, STRATA_RUNROOT, /run/strata
  std::string storage_driver;    // --storage-driver, STRATA_STORAGE_DRIVER; "": chosen
};

// A store and the containers on it.
struct EngineEnv {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<container::Engine> engine;
};

// The command to run once parsing succeeds; returns the process exit code or an error.
using Action = std::function<Result<int>()>;

struct Context {
  Globals globals;
  Action action;
  int error_code = 1;  // the exit code of a failed command (125 for container commands)
  Result<std::unique_ptr<store::Store>> open_store() const {
    auto store = TRY(store::Store::open(globals.root));
    archive::ExtractLimits limits;
    limits.max_bytes = globals.max_layer_bytes;
    store->set_layer_limits(limits);
    return store;
  }
  Result<EngineEnv> open_engine() const;
};

// Prints "strata: <message>" to stderr, control bytes escaped.
void print_error(const Error& e);

// Docker's confirmation prompt; true if the user typed y or yes.
bool confirm(const char* question);

// Adds a subcommand both as `strata NAME` (if top_name is not empty) and as
// `strata image IMAGE_NAME`, running the same setup on each.
void add_command_pair(CLI::App& app, CLI::App& image, const std::string& top_name,
                      const std::vector<std::string>& image_names, const std::string& help,
                      const std::function<void(CLI::App&)>& setup);

// `image` is the `strata image` group; commands register on it and on the top level.
void register_images_command(CLI::App& app, CLI::App& image, Context& ctx);  // images, image ls
void register_image_commands(CLI::App& app, CLI::App& image,
                             Context& ctx);  // tag rmi inspect history prune
void register_io_commands(CLI::App& app, CLI::App& image, Context& ctx);  // import save load
void register_system_commands(CLI::App& app, Context& ctx);               // system df, system prune
// `container prune`, on the `container` group (prune.cc).
void register_container_prune(CLI::App& group, Context& ctx);
void register_system_prune(CLI::App& system, Context& ctx);
// "Deleted Images:" and what image prune untagged and deleted, as Docker prints them.
void print_pruned_images(const store::PruneResult& pruned);
// "Deleted Containers:" / "Deleted Volumes:" (`title`), one name a line and a blank line;
// nothing when there are none.
void print_deleted(const char* title, const std::vector<std::string>& names);
// create run start ps stop kill rm wait logs, and `container ...`
void register_container_commands(CLI::App& app, Context& ctx);
void register_volume_commands(CLI::App& app, Context& ctx);  // volume create ls inspect rm prune

}  // namespace strata::cli
