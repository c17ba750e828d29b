// SPDX-License-Identifier: Apache-2.0
// `tag`, `rmi`, `image inspect` (cli/inspect.cc), `history` and `image prune`.
#include <ctime>

#include "cli/command.h"
#include "cli/inspect.h"
#include "cli/output.h"
#include "oci/reference.h"
#include "util/strings.h"

namespace strata::cli {

namespace {

Result<int> tag_image(const Context& ctx, const std::string& source, const std::string& target) {
  auto store = TRY(ctx.open_store());
  auto ref = TRY(oci::parse_tag_reference(target));
  TRY(store->tag(source, ref));
  return 0;
}

Result<int> remove_images(const Context& ctx, const std::vector<std::string>& names, bool force) {
  auto store = TRY(ctx.open_store());
  int rc = 0;
  for (const auto& n : names) {
    auto r = store->remove_image(n, force);
    if (!r.ok()) {
      // Docker goes on with the other names and fails at the end.
      std::fflush(stdout);
      print_error(r.error());
      rc = 1;
      continue;
    }
    for (const auto& t : r->untagged) std::printf("Untagged: %s\n", t.c_str());
    if (r->deleted) std::printf("Deleted: %s\n", r->deleted->str().c_str());
  }
  TRY(store->collect_garbage());
  return rc;
}

struct HistoryOptions {
  std::string image, format;
  bool quiet = false, no_trunc = false, human = true;
};

std::string ellipsis(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  return s.substr(0, max - 1) + "…";
}

Result<int> show_history(const Context& ctx, const HistoryOptions& o) {
  auto store = TRY(ctx.open_store());
  auto img = TRY(store->resolve(o.image));
  auto config = TRY(store->load_config(img));
  auto history = config.history;
  if (history.empty()) {  // optional in the spec: one row per layer then
    for (size_t i = 0; i < img.layers.size(); ++i)
      history.push_back({config.created, "", "", "", false});
  }
  struct Row {
    std::string id;
    const oci::HistoryEntry* h;
    int64_t size;
  };
  std::vector<Row> rows;
  size_t layer = 0;
  for (const auto& h : history) {
    int64_t size = 0;
    if (!h.empty_layer && layer < img.layers.size()) size = img.layers[layer++].unpacked_size;
    rows.push_back({"<missing>", &h, size});
  }
  std::reverse(rows.begin(), rows.end());
  if (!rows.empty()) rows[0].id = o.no_trunc ? img.id.str() : img.id.short_str();
  if (o.quiet) {
    for (const auto& r : rows) std::printf("%s\n", r.id.c_str());
    return 0;
  }
  int64_t now = static_cast<int64_t>(::time(nullptr));
  std::vector<oci::Json> data;
  for (const auto& r : rows) {
    int64_t created = 0;
    parse_rfc3339(r.h->created, &created);
    std::string by = r.h->created_by;
    if (!o.no_trunc) by = ellipsis(by, 45);
    data.push_back(
        {{"ID", r.id},
         {"CreatedSince", o.human ? human_duration_ago(created, now) : r.h->created},
         {"CreatedAt", r.h->created},
         {"CreatedBy", by},
         {"Size", o.human ? human_size(static_cast<uint64_t>(r.size)) : std::to_string(r.size)},
         {"Comment", r.h->comment}});
  }
  Listing how;
  how.headers = {{"ID", "IMAGE"},
                 {"CreatedSince", "CREATED"},
                 {"CreatedAt", "CREATED AT"},
                 {"CreatedBy", "CREATED BY"},
                 {"Size", "SIZE"},
                 {"Comment", "COMMENT"}};
  how.type_name = "*formatter.historyContext";
  how.default_table = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
  TRY(print_formatted(o.format.empty() ? how.default_table : o.format, data, how, stdout));
  return 0;
}

Result<int> prune_images(const Context& ctx, bool all, bool force) {
  if (!force && !confirm(all ? "WARNING! This will remove all images without at least one "
                               "container associated to them.\nAre you sure you want to continue?"
                             : "WARNING! This will remove all dangling images.\nAre you sure you "
                               "want to continue?"))
    return 0;
  auto store = TRY(ctx.open_store());
  auto pruned = TRY(store->prune_images(all));
  auto stats = TRY(store->collect_garbage());
  print_pruned_images(pruned);
  std::printf("Total reclaimed space: %s\n", human_size(stats.bytes).c_str());
  return 0;
}

}  // namespace

void print_deleted(const char* title, const std::vector<std::string>& names) {
  if (names.empty()) return;
  std::printf("%s\n", title);
  for (const auto& n : names) std::printf("%s\n", n.c_str());
  std::printf("\n");
}

void print_pruned_images(const store::PruneResult& pruned) {
  if (pruned.deleted.empty()) return;
  std::printf("Deleted Images:\n");
  for (const auto& t : pruned.untagged) std::printf("untagged: %s\n", t.c_str());
  for (const auto& id : pruned.deleted) std::printf("deleted: %s\n", id.str().c_str());
  std::printf("\n");
}

void register_image_commands(CLI::App& app, CLI::App& image, Context& ctx) {
  auto tag_args = std::make_shared<std::pair<std::string, std::string>>();
  add_command_pair(app, image, "tag", {"tag"},
                   "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
                   [&ctx, tag_args](CLI::App& c) {
                     c.add_option("SOURCE_IMAGE", tag_args->first)->required();
                     c.add_option("TARGET_IMAGE", tag_args->second)->required();
                     c.callback([&ctx, tag_args] {
                       ctx.action = [&ctx, tag_args] {
                         return tag_image(ctx, tag_args->first, tag_args->second);
                       };
                     });
                   });

  auto rm = std::make_shared<std::pair<std::vector<std::string>, bool>>();
  add_command_pair(
      app, image, "rmi", {"rm", "remove"}, "Remove one or more images", [&ctx, rm](CLI::App& c) {
        c.add_option("IMAGE", rm->first)->required();
        c.add_flag("-f,--force", rm->second, "Force removal of the image");
        c.callback([&ctx, rm] {
          ctx.action = [&ctx, rm] { return remove_images(ctx, rm->first, rm->second); };
        });
      });

  auto insp = std::make_shared<std::pair<std::vector<std::string>, std::string>>();
  add_command_pair(app, image, "", {"inspect"},
                   "Display detailed information on one or more images", [&ctx, insp](CLI::App& c) {
                     c.add_option("IMAGE", insp->first)->required();
                     c.add_option("-f,--format", insp->second, "Format output with a Go template");
                     c.callback([&ctx, insp] {
                       ctx.action = [&ctx, insp] {
                         return inspect_images(ctx, insp->first, insp->second);
                       };
                     });
                   });

  auto hist = std::make_shared<HistoryOptions>();
  add_command_pair(
      app, image, "history", {"history"}, "Show the history of an image",
      [&ctx, hist](CLI::App& c) {
        c.add_option("IMAGE", hist->image)->required();
        c.add_flag("-q,--quiet", hist->quiet, "Only show image IDs");
        c.add_flag("--no-trunc", hist->no_trunc, "Don't truncate output");
        c.add_option("-H,--human", hist->human, "Print sizes and dates in human readable format")
            ->default_val(true);
        c.add_option("--format", hist->format, "Format output with a Go template");
        c.callback(
            [&ctx, hist] { ctx.action = [&ctx, hist] { return show_history(ctx, *hist); }; });
      });

  auto prune = std::make_shared<std::pair<bool, bool>>();
  CLI::App* p = image.add_subcommand("prune", "Remove unused images");
  p->add_flag("-a,--all", prune->first, "Remove all unused images, not just dangling ones");
  p->add_flag("-f,--force", prune->second, "Do not prompt for confirmation");
  p->callback([&ctx, prune] {
    ctx.action = [&ctx, prune] { return prune_images(ctx, prune->first, prune->second); };
  });
}

}  // namespace strata::cli
