// SPDX-License-Identifier: Apache-2.0
// `cp CONTAINER:SRC DEST|-` and `cp SRC|- CONTAINER:DEST` (container/copy.h).
#include <unistd.h>

#include "cli/fs_cmds.h"
#include "container/copy.h"
#include "util/strings.h"

namespace strata::cli {

namespace {

struct CpArgs {
  container::CopyOptions o;
  bool quiet = false;  // Docker's progress is not printed at all
  std::string src, dest;
};

// Docker's reading of a cp argument: "NAME:PATH" names a container unless the argument
// is an absolute path or its part before ':' starts with '.' (a local "./a:b").
struct CpArg {
  std::string container, path;
};
CpArg split_arg(const std::string& arg) {
  size_t colon = arg.find(':');
  if (arg.starts_with('/') || colon == std::string::npos || arg.starts_with('.')) return {"", arg};
  return {arg.substr(0, colon), arg.substr(colon + 1)};
}

Result<int> cp_command(const Context& ctx, const CpArgs& a) {
  CpArg src = split_arg(a.src), dest = split_arg(a.dest);
  if (src.container.empty() == dest.container.empty())
    return Error::make(Errc::kInvalidArgument, src.container.empty()
                                                   ? "must specify at least one container source"
                                                   : "copying between containers is not supported");
  for (const auto* p : {&src, &dest})
    if (!p->container.empty() && p->path.empty())
      return Error::make(Errc::kInvalidArgument,
                         fmt::format("{}: path cannot be empty", printable(p->container)));
  auto env = TRY(ctx.open_engine());
  container::Engine& e = *env.engine;
  if (!src.container.empty()) {
    container::Container c = TRY(e.get(src.container));
    if (dest.path == "-") {
      archive::FdWriter out(STDOUT_FILENO, "stdout");
      TRY(container::copy_from_container_tar(e, c, src.path, out, a.o));
    } else {
      TRY(container::copy_from_container(e, c, src.path, dest.path, a.o));
    }
    return 0;
  }
  container::Container c = TRY(e.get(dest.container));
  if (src.path == "-") {
    archive::FdReader in(STDIN_FILENO, "stdin");
    TRY(container::copy_tar_to_container(e, c, in, dest.path));
  } else {
    TRY(container::copy_to_container(e, c, src.path, dest.path, a.o));
  }
  return 0;
}

}  // namespace

void register_cp_command(const AddBoth& both, Context& ctx) {
  auto a = std::make_shared<CpArgs>();
  both("cp", {}, "Copy files/folders between a container and the local filesystem",
       [=, &ctx](CLI::App* c) {
         c->add_flag("-a,--archive", a->o.archive, "Archive mode (copy all uid/gid information)");
         c->add_flag("-L,--follow-link", a->o.follow, "Always follow symbol link in SRC_PATH");
         c->add_flag("-q,--quiet", a->quiet, "Suppress progress output during copy");
         c->add_option("SRC", a->src, "CONTAINER:SRC_PATH, SRC_PATH or -")->required();
         c->add_option("DEST", a->dest, "DEST_PATH, CONTAINER:DEST_PATH or -")->required();
         c->callback([=, &ctx] { ctx.action = [=, &ctx] { return cp_command(ctx, *a); }; });
       });
}

}  // namespace strata::cli
