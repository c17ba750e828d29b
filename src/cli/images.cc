// SPDX-License-Identifier: Apache-2.0
// `strata images` / `strata image ls`: REPOSITORY TAG IMAGE ID CREATED SIZE.
#include <ctime>
#include <set>

#include "cli/command.h"
#include "cli/output.h"
#include "oci/reference.h"
#include "util/strings.h"

namespace strata::cli {

namespace {

struct ImagesOptions {
  bool quiet = false, all = false, digests = false, no_trunc = false;
  std::string format;
  std::string filter;  // REPOSITORY[:TAG]
};

struct Row {
  const store::ImageRecord* image;
  std::string repository = "<none>", tag = "<none>";
};

Result<std::vector<Row>> image_rows(const std::vector<store::ImageRecord>& images,
                                    const std::string& filter) {
  std::optional<oci::Reference> want;
  bool want_tag = false;
  if (!filter.empty()) {
    want = TRY(oci::parse_reference(filter));
    auto slash = filter.rfind('/');
    want_tag = filter.find(':', slash == std::string::npos ? 0 : slash) != std::string::npos;
  }
  std::vector<Row> rows;
  for (const auto& img : images) {
    if (img.tags.empty() && !want) rows.push_back({&img});
    for (const auto& t : img.tags) {
      auto ref = TRY_CTX(oci::parse_reference(t), "stored tag");
      if (want && (ref.repository() != want->repository() || (want_tag && ref.tag != want->tag)))
        continue;
      rows.push_back({&img, ref.familiar_repository(), ref.tag});
    }
  }
  return rows;
}

Result<int> list_images(const Context& ctx, const ImagesOptions& o) {
  auto store = TRY(ctx.open_store());
  auto images = TRY(store->list_images());
  auto rows = TRY(image_rows(images, o.filter));
  auto id_of = [&](const store::ImageRecord& img) {
    return o.no_trunc ? img.id.str() : img.id.short_str();
  };
  if (o.quiet) {
    std::set<std::string> seen;
    for (const auto& r : rows)
      if (seen.insert(r.image->id.str()).second) std::printf("%s\n", id_of(*r.image).c_str());
    return 0;
  }
  int64_t now = static_cast<int64_t>(::time(nullptr));
  if (!o.format.empty()) {
    std::vector<oci::Json> data;
    for (const auto& r : rows) {
      data.push_back({{"ID", id_of(*r.image)},
                      {"Repository", r.repository},
                      {"Tag", r.tag},
                      {"Digest", r.image->manifest_digest.str()},
                      {"CreatedSince", human_duration_ago(r.image->created, now)},
                      {"CreatedAt", format_rfc3339(r.image->created)},
                      {"Size", human_size(static_cast<uint64_t>(r.image->size()))},
                      {"Containers", "N/A"},
                      {"SharedSize", "N/A"},
                      {"UniqueSize", "N/A"},
                      {"VirtualSize", human_size(static_cast<uint64_t>(r.image->size()))}});
    }
    Listing how;
    how.headers = {{"ID", "IMAGE ID"},
                   {"Repository", "REPOSITORY"},
                   {"Tag", "TAG"},
                   {"Digest", "DIGEST"},
                   {"CreatedSince", "CREATED"},
                   {"CreatedAt", "CREATED AT"},
                   {"Size", "SIZE"},
                   {"Containers", "CONTAINERS"},
                   {"SharedSize", "SHARED SIZE"},
                   {"UniqueSize", "UNIQUE SIZE"},
                   {"VirtualSize", "VIRTUAL SIZE"}};
    how.type_name = "*formatter.ImageContext";
    how.default_table = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
    TRY(print_formatted(o.format, data, how, stdout));
    return 0;
  }
  Table t;
  std::vector<std::string> header = {"REPOSITORY", "TAG"};
  if (o.digests) header.push_back("DIGEST");
  for (const char* h : {"IMAGE ID", "CREATED", "SIZE"}) header.push_back(h);
  t.add(header);
  for (const auto& r : rows) {
    std::vector<std::string> row = {r.repository, r.tag};
    if (o.digests) row.push_back(r.image->manifest_digest.str());
    row.push_back(id_of(*r.image));
    row.push_back(human_duration_ago(r.image->created, now));
    row.push_back(human_size(static_cast<uint64_t>(r.image->size())));
    t.add(row);
  }
  t.print(stdout);
  return 0;
}

}  // namespace

void register_images_command(CLI::App& app, CLI::App& image, Context& ctx) {
  auto o = std::make_shared<ImagesOptions>();
  add_command_pair(app, image, "images", {"ls", "list"}, "List images", [&ctx, o](CLI::App& c) {
    c.add_option("filter", o->filter, "Show only images of REPOSITORY[:TAG]");
    c.add_flag("-q,--quiet", o->quiet, "Only show image IDs");
    c.add_flag("-a,--all", o->all, "Show all images (intermediate ones too)");
    c.add_flag("--digests", o->digests, "Show digests");
    c.add_flag("--no-trunc", o->no_trunc, "Don't truncate output");
    c.add_option("--format", o->format, "Format output with a Go template");
    c.callback([&ctx, o] { ctx.action = [&ctx, o] { return list_images(ctx, *o); }; });
  });
}

}  // namespace strata::cli
