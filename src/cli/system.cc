// SPDX-License-Identifier: Apache-2.0
// `strata system df`: disk use by type, as Docker prints it (and `system prune`, in
// prune.cc). Containers count by the size of their rw layers; an image is active while a
// container uses it, and reclaimable is what the inactive ones hold alone.
#include <set>

#include "cli/command.h"
#include "cli/output.h"
#include "container/prune.h"
#include "container/volumes.h"
#include "sys/fs.h"
#include "util/strings.h"

namespace strata::cli {

namespace {

std::string with_percent(uint64_t part, uint64_t total) {
  if (total == 0) return human_size(part);
  return fmt::format("{} ({}%)", human_size(part), part * 100 / total);
}

// Docker's row: every volume, those some container mounts, and the bytes of the others.
Result<std::vector<std::string>> volumes_row(store::Store& store) {
  container::Volumes volumes(store);
  uint64_t size = 0, reclaimable = 0;
  size_t active = 0, total = 0;
  for (const auto& v : TRY(volumes.list())) {
    ++total;
    auto measured = sys::tree_size(v.mountpoint);
    uint64_t bytes = measured.ok() ? *measured : 0;  // a vanished directory holds nothing
    size += bytes;
    if (!TRY(volumes.users(v.name)).empty())
      ++active;
    else
      reclaimable += bytes;
  }
  return std::vector<std::string>{"Local Volumes", std::to_string(total), std::to_string(active),
                                  human_size(size), with_percent(reclaimable, size)};
}

Result<int> disk_usage(const Context& ctx) {
  auto env = TRY(ctx.open_engine());
  auto images = TRY(env.store->list_images());
  auto containers = TRY(env.engine->list());
  std::set<std::string> used_images;
  uint64_t rw_total = 0, rw_reclaimable = 0;
  size_t running = 0;
  for (const auto& c : containers) {
    used_images.insert(c.image_id.str());
    uint64_t size = TRY(container::rw_size(*env.engine, c));
    rw_total += size;
    if (c.state.running())
      ++running;
    else
      rw_reclaimable += size;
  }
  // Layers are shared: each counts once, and is reclaimable only if no used image has it.
  std::set<std::string> seen, active_layers;
  for (const auto& img : images)
    if (used_images.count(img.id.str()))
      for (const auto& l : img.layers) active_layers.insert(l.diff_id.str());
  uint64_t size = 0, reclaimable = 0;
  size_t active = 0;
  for (const auto& img : images) {
    active += used_images.count(img.id.str());
    for (const auto& l : img.layers) {
      if (!seen.insert(l.diff_id.str()).second) continue;
      size += static_cast<uint64_t>(l.unpacked_size);
      if (!active_layers.count(l.diff_id.str()))
        reclaimable += static_cast<uint64_t>(l.unpacked_size);
    }
  }
  Table t;
  t.add({"TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"});
  t.add({"Images", std::to_string(images.size()), std::to_string(active), human_size(size),
         with_percent(reclaimable, size)});
  t.add({"Containers", std::to_string(containers.size()), std::to_string(running),
         human_size(rw_total), with_percent(rw_reclaimable, rw_total)});
  t.add(TRY(volumes_row(*env.store)));
  t.add({"Build Cache", "0", "0", "0B", "0B"});
  t.print(stdout);
  return 0;
}

}  // namespace

void register_system_commands(CLI::App& app, Context& ctx) {
  CLI::App* system = app.add_subcommand("system", "Manage Strata");
  system->require_subcommand(1);
  CLI::App* df = system->add_subcommand("df", "Show disk usage");
  df->callback([&ctx] { ctx.action = [&ctx] { return disk_usage(ctx); }; });
  register_system_prune(*system, ctx);
}

}  // namespace strata::cli
