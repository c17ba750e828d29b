// SPDX-License-Identifier: Apache-2.0
// `strata system df`: disk use by type, as Docker prints it.
#include <set>

#include "cli/command.h"
#include "cli/output.h"
#include "util/strings.h"

namespace strata::cli {

namespace {

std::string with_percent(uint64_t part, uint64_t total) {
  if (total == 0) return human_size(part);
  return fmt::format("{} ({}%)", human_size(part), part * 100 / total);
}

Result<int> disk_usage(const Context& ctx) {
  auto store = TRY(ctx.open_store());
  auto images = TRY(store->list_images());
  std::set<std::string> seen;
  uint64_t size = 0;
  for (const auto& img : images)
    for (const auto& l : img.layers)
      if (seen.insert(l.diff_id.str()).second) size += static_cast<uint64_t>(l.unpacked_size);
  Table t;
  t.add({"TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"});
  // No containers exist yet, so no image is active and every byte is reclaimable.
  t.add({"Images", std::to_string(images.size()), "0", human_size(size), with_percent(size, size)});
  t.add({"Containers", "0", "0", "0B", "0B"});
  t.add({"Local Volumes", "0", "0", "0B", "0B"});
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
}

}  // namespace strata::cli
