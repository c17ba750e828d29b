// SPDX-License-Identifier: Apache-2.0
// `container prune` and `system prune`: stopped containers, then (system) with --volumes
// the anonymous volumes no container uses, dangling or unused images, the files a crash
// left (containers/ and volumes/ entries no row names, tmp/), and what no image names any
// more; printed as Docker prints them.
#include "container/prune.h"

#include "cli/command.h"
#include "cli/output.h"
#include "container/volumes.h"
#include "util/strings.h"

namespace strata::cli {

namespace {

Result<int> container_prune(const Context& ctx, bool force) {
  if (!force && !confirm("WARNING! This will remove all stopped containers.\nAre you sure you "
                         "want to continue?"))
    return 0;
  auto env = TRY(ctx.open_engine());
  auto pruned = TRY(container::prune_containers(*env.engine));
  print_deleted("Deleted Containers:", pruned.deleted);
  std::printf("Total reclaimed space: %s\n", human_size(pruned.bytes).c_str());
  return 0;
}

struct SystemPruneFlags {
  bool force = false, all = false, volumes = false;
};

Result<int> system_prune(const Context& ctx, const SystemPruneFlags& f) {
  std::string warning = fmt::format(
      "WARNING! This will remove:\n  - all stopped containers\n{}  - {}\n\nAre you "
      "sure you want to continue?",
      f.volumes ? "  - all anonymous volumes not used by at least one container\n" : "",
      f.all ? "all images without at least one container associated to them"
            : "all dangling images");
  if (!f.force && !confirm(warning.c_str())) return 0;
  auto env = TRY(ctx.open_engine());
  auto containers = TRY(container::prune_containers(*env.engine));
  std::pair<std::vector<std::string>, uint64_t> volumes;
  if (f.volumes) volumes = TRY(container::Volumes(*env.store).prune(false));
  uint64_t leftovers = TRY(container::prune_leftovers(*env.engine));
  auto images = TRY(env.store->prune_images(f.all));
  auto stats = TRY(env.store->collect_garbage());
  print_deleted("Deleted Containers:", containers.deleted);
  print_deleted("Deleted Volumes:", volumes.first);
  print_pruned_images(images);
  std::printf("Total reclaimed space: %s\n",
              human_size(containers.bytes + volumes.second + leftovers + stats.bytes).c_str());
  return 0;
}

}  // namespace

void register_container_prune(CLI::App& group, Context& ctx) {
  auto force = std::make_shared<bool>(false);
  CLI::App* p = group.add_subcommand("prune", "Remove all stopped containers");
  p->preparse_callback([&ctx](size_t) { ctx.error_code = 125; });
  p->add_flag("-f,--force", *force, "Do not prompt for confirmation");
  p->callback(
      [&ctx, force] { ctx.action = [&ctx, force] { return container_prune(ctx, *force); }; });
}

void register_system_prune(CLI::App& system, Context& ctx) {
  auto f = std::make_shared<SystemPruneFlags>();
  CLI::App* p = system.add_subcommand("prune", "Remove unused data");
  p->add_flag("-a,--all", f->all, "Remove all unused images not just dangling ones");
  p->add_flag("-f,--force", f->force, "Do not prompt for confirmation");
  p->add_flag("--volumes", f->volumes, "Prune anonymous volumes");
  p->callback([&ctx, f] { ctx.action = [&ctx, f] { return system_prune(ctx, *f); }; });
}

}  // namespace strata::cli
