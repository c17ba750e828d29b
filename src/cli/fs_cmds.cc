// SPDX-License-Identifier: Apache-2.0
// `diff`, `commit` and `export`: one library call each (container/fs.h).
#include "cli/fs_cmds.h"

#include <unistd.h>

#include "container/fs.h"
#include "store/output_file.h"

namespace strata::cli {

namespace {

struct CommitArgs {
  container::CommitOptions o;
  std::string container, repository;
};

Result<int> diff_command(const Context& ctx, const std::string& ref) {
  auto env = TRY(ctx.open_engine());
  container::Container c = TRY(env.engine->get(ref));
  for (const auto& ch : TRY(container::diff(*env.engine, c)))
    std::printf("%c %s\n", container::change_letter(ch.kind), ch.path.c_str());
  return 0;
}

Result<int> commit_command(const Context& ctx, CommitArgs& a) {
  if (!a.repository.empty()) a.o.tag = TRY(oci::parse_tag_reference(a.repository));
  auto env = TRY(ctx.open_engine());
  container::Container c = TRY(env.engine->get(a.container));
  oci::Digest id = TRY(container::commit(*env.engine, c, a.o));
  std::printf("%s\n", id.str().c_str());
  return 0;
}

Result<int> export_command(const Context& ctx, const std::string& ref, const std::string& output) {
  if (output.empty() && ::isatty(STDOUT_FILENO))
    return Error::make(Errc::kInvalidArgument,
                       "cowardly refusing to save to a terminal. Use the -o flag or redirect");
  auto env = TRY(ctx.open_engine());
  container::Container c = TRY(env.engine->get(ref));
  container::RootfsView view = TRY(container::open_rootfs(*env.engine, c));
  if (output.empty() || output == "-") {
    archive::FdWriter out(STDOUT_FILENO, "stdout");
    TRY(container::export_container(c, view, out));
    return 0;
  }
  auto out = TRY(store::OutputFile::create(output));
  TRY(container::export_container(c, view, *out));
  TRY(out->close());
  return 0;
}

}  // namespace

void register_fs_commands(const AddBoth& both, Context& ctx) {
  auto diff_ref = std::make_shared<std::string>();
  both(
      "diff", {}, "Inspect changes to files or directories on a container's filesystem",
      [=, &ctx](CLI::App* c) {
        c->add_option("CONTAINER", *diff_ref)->required();
        c->callback([=, &ctx] { ctx.action = [=, &ctx] { return diff_command(ctx, *diff_ref); }; });
      });

  auto ca = std::make_shared<CommitArgs>();
  both("commit", {}, "Create a new image from a container's changes", [=, &ctx](CLI::App* c) {
    c->add_option("-a,--author", ca->o.author,
                  "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")");
    c->add_option("-m,--message", ca->o.message, "Commit message");
    c->add_option("-c,--change", ca->o.changes, "Apply Dockerfile instruction to the created image")
        ->allow_extra_args(false);  // one value per -c, as Docker
    c->add_flag("-p,--pause", ca->o.pause, "Pause container during commit (default true)");
    c->add_option("CONTAINER", ca->container)->required();
    c->add_option("REPOSITORY", ca->repository, "REPOSITORY[:TAG]");
    c->callback([=, &ctx] { ctx.action = [=, &ctx] { return commit_command(ctx, *ca); }; });
  });

  auto ex = std::make_shared<std::pair<std::string, std::string>>();
  both("export", {}, "Export a container's filesystem as a tar archive", [=, &ctx](CLI::App* c) {
    c->add_option("-o,--output", ex->second, "Write to a file, instead of STDOUT");
    c->add_option("CONTAINER", ex->first)->required();
    c->callback([=, &ctx] {
      ctx.action = [=, &ctx] { return export_command(ctx, ex->first, ex->second); };
    });
  });
  register_cp_command(both, ctx);
}

}  // namespace strata::cli
