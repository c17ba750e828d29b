// SPDX-License-Identifier: Apache-2.0
// Which linux.sysctl keys a container may set: only those a namespace of its own
// isolates (runc's libcontainer/configs/validate validator.sysctl). /proc/sys is the
// host's for everything else, so `vm.swappiness` or `kernel.core_pattern` in a
// bundle would be written to the host by the init, as root.
#include <sys/stat.h>

#include <string_view>

#include "oci/runtime_spec.h"
#include "oci/runtime_spec_reader.h"

namespace strata::oci {

namespace {

// IPC keys isolated by an ipc namespace (ipc/ipc_sysctl.c), besides fs.mqueue.*.
constexpr std::string_view kIpcKeys[] = {"kernel.msgmax", "kernel.msgmnb",         "kernel.msgmni",
                                         "kernel.sem",    "kernel.shmall",         "kernel.shmmax",
                                         "kernel.shmmni", "kernel.shm_rmid_forced"};

bool is_ipc_key(std::string_view key) {
  for (auto k : kIpcKeys)
    if (key == k) return true;
  return key.starts_with("fs.mqueue.");
}

// Whether the network namespace at `path` is the runtime's own (runc's isHostNetNS
// compares the files' device and inode). A path that cannot be read is left for
// compile_plan, which names it.
bool is_own_netns(const std::string& path) {
  struct stat a, b;
  if (::stat(path.c_str(), &a) < 0 || ::stat("/proc/self/ns/net", &b) < 0) return false;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

Error refuse(const std::string& key, std::string_view why) {
  return spec_reader::bad(fmt::format("linux.sysctl.{}", key), why);
}

Result<void> check_key(const RuntimeSpec& spec, const std::string& key) {
  if (is_ipc_key(key)) {
    if (!spec.has_namespace(CLONE_NEWIPC))
      return refuse(key, "needs an ipc namespace (it would be set on the host's)");
    return {};
  }
  if (key.starts_with("net.")) {
    const Namespace* net = spec.find_namespace(CLONE_NEWNET);
    if (net == nullptr)
      return refuse(key, "needs a network namespace (it would be set on the host's)");
    if (!net->path.empty() && is_own_netns(net->path))
      return refuse(key, fmt::format("the network namespace `{}` is the host's", net->path));
    return {};
  }
  for (auto [name, field] :
       {std::pair<std::string_view, const std::string*>{"kernel.hostname", &spec.hostname},
        {"kernel.domainname", &spec.domainname}}) {
    if (key != name) continue;
    if (!spec.has_namespace(CLONE_NEWUTS))
      return refuse(key, "needs a uts namespace (it would be set on the host's)");
    if (!field->empty())
      return refuse(key, fmt::format("conflicts with the {} field", name.substr(7)));
    return {};
  }
  return refuse(key, "not isolated by a namespace: it would be set on the host");
}

}  // namespace

Result<void> check_sysctl(const RuntimeSpec& spec) {
  for (const auto& [key, value] : spec.sysctl) TRY(check_key(spec, key));
  return {};
}

}  // namespace strata::oci
