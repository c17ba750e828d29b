// SPDX-License-Identifier: Apache-2.0
// `import`, `save` and `load`: images in and out of the store as files or pipes.
#include <fcntl.h>
#include <unistd.h>

#include "cli/command.h"
#include "store/image_io.h"
#include "store/output_file.h"

namespace strata::cli {

namespace {

struct ImportArgs {
  std::string source, repository, compression = "gzip", message;
  std::vector<std::string> changes;
};

Result<UniqueFd> open_input(const std::string& path) {
  if (path == "-") return UniqueFd(::dup(STDIN_FILENO));
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::from_errno(errno, fmt::format("open `{}`", path));
  return UniqueFd(fd);
}

Result<int> import(const Context& ctx, const ImportArgs& a) {
  store::ImportOptions o;
  if (!archive::parse_compression(a.compression, &o.compression) ||
      o.compression == archive::Compression::kNone)
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("--compression \"{}\": want gzip or zstd", a.compression));
  if (a.source.starts_with("http://") || a.source.starts_with("https://"))
    return Error::make(Errc::kUnsupported, "import from a URL is not supported: download it first");
  if (!a.repository.empty()) o.tag = TRY(oci::parse_tag_reference(a.repository));
  o.changes = a.changes;
  o.message = a.message;
  o.source = a.source;
  auto store = TRY(ctx.open_store());
  auto fd = TRY(open_input(a.source));
  archive::FdReader in(fd.get(), a.source);
  auto img = TRY(store::import_image(*store, in, o));
  std::printf("%s\n", img.id.str().c_str());
  return 0;
}

Result<int> save(const Context& ctx, const std::vector<std::string>& images,
                 const std::string& output) {
  if (output.empty() && ::isatty(STDOUT_FILENO))
    return Error::make(Errc::kInvalidArgument,
                       "cowardly refusing to save to a terminal. Use the -o flag or redirect");
  auto store = TRY(ctx.open_store());
  if (output.empty() || output == "-") {
    archive::FdWriter out(STDOUT_FILENO, "stdout");
    TRY(store::save_images(*store, images, out));
    return 0;
  }
  auto out = TRY(store::OutputFile::create(output));
  TRY(store::save_images(*store, images, *out));
  TRY(out->close());
  return 0;
}

Result<int> load(const Context& ctx, const std::string& input, bool quiet) {
  if (input.empty() && ::isatty(STDIN_FILENO))
    return Error::make(
        Errc::kInvalidArgument,
        "requested load from stdin, but stdin is a terminal: use -i FILE or redirect");
  auto store = TRY(ctx.open_store());
  std::string name = input.empty() ? "-" : input;
  auto fd = TRY(open_input(name));
  archive::FdReader in(fd.get(), name);
  auto loaded = TRY_CTX(store::load_images(*store, in), "load `{}`", name);
  if (quiet) return 0;
  for (const auto& li : loaded) {
    if (li.tags.empty()) std::printf("Loaded image ID: %s\n", li.id.str().c_str());
    for (const auto& t : li.tags) std::printf("Loaded image: %s\n", t.familiar().c_str());
  }
  return 0;
}

}  // namespace

void register_io_commands(CLI::App& app, CLI::App& image, Context& ctx) {
  auto imp = std::make_shared<ImportArgs>();
  add_command_pair(
      app, image, "import", {"import"},
      "Import the contents from a tarball to create a filesystem image", [&ctx, imp](CLI::App& c) {
        c.add_option("FILE", imp->source, "Tarball, or - for stdin")->required();
        c.add_option("REPOSITORY", imp->repository, "REPOSITORY[:TAG]");
        c.add_option("-c,--change", imp->changes, "Apply Dockerfile instruction to the image")
            ->allow_extra_args(false);  // one value per -c, as Docker
        c.add_option("-m,--message", imp->message, "Set commit message for imported image");
        c.add_option("--compression", imp->compression, "Layer compression: gzip or zstd");
        c.callback([&ctx, imp] { ctx.action = [&ctx, imp] { return import(ctx, *imp); }; });
      });

  auto sv = std::make_shared<std::pair<std::vector<std::string>, std::string>>();
  add_command_pair(app, image, "save", {"save"}, "Save one or more images to a tar archive",
                   [&ctx, sv](CLI::App& c) {
                     c.add_option("IMAGE", sv->first)->required();
                     c.add_option("-o,--output", sv->second, "Write to a file, instead of STDOUT");
                     c.callback([&ctx, sv] {
                       ctx.action = [&ctx, sv] { return save(ctx, sv->first, sv->second); };
                     });
                   });

  auto ld = std::make_shared<std::pair<std::string, bool>>();
  add_command_pair(
      app, image, "load", {"load"}, "Load an image from a tar archive or STDIN",
      [&ctx, ld](CLI::App& c) {
        c.add_option("-i,--input", ld->first, "Read from tar archive file, instead of STDIN");
        c.add_flag("-q,--quiet", ld->second, "Suppress the load output");
        c.callback(
            [&ctx, ld] { ctx.action = [&ctx, ld] { return load(ctx, ld->first, ld->second); }; });
      });
}

}  // namespace strata::cli
