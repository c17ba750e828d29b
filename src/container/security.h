// SPDX-License-Identifier: Apache-2.0
// A container's capabilities, seccomp profile and devices as Docker decides them:
// the default capability set tweaked by --cap-add/--cap-drop, Docker's seccomp
// profile format (archMap, includes/excludes on caps and arches) converted to the OCI
// linux.seccomp form for this host, and the host's devices for --privileged.
#pragma once

#include <string>
#include <vector>

#include "oci/json.h"
#include "util/result.h"

namespace strata::container {

// Docker's default capability set (moby oci/caps/defaults.go).
const std::vector<std::string>& default_caps();
// Every capability the engine may grant (its own bounding set), for --privileged and
// --cap-add ALL.
std::vector<std::string> all_caps();
// Docker's rules (moby TweakCapabilities): add ALL → every cap but the dropped ones;
// drop ALL → only the added ones; else the defaults minus drops plus adds. Names are
// normalized ("CAP_X" or "ALL").
std::vector<std::string> effective_caps(const std::vector<std::string>& add,
                                        const std::vector<std::string>& drop);

// Docker's default seccomp profile (moby profiles/seccomp/default.json) in Docker's
// profile format; seccomp_default.cc holds the data.
const oci::Json& default_seccomp_profile();

// The host's architecture as libseccomp names it ("SCMP_ARCH_X86_64") and as Go does
// ("amd64"), which Docker's includes/excludes use.
struct HostArch {
  std::string scmp, go;
};
HostArch host_arch();

// A Docker-format profile (or an OCI-form one with "architectures") as linux.seccomp
// for a container holding `caps` on `arch`: rules whose includes/excludes do not match
// are left out, archMap picks the host's architecture and its sub-architectures.
// kInvalidArgument names the field.
Result<oci::Json> seccomp_to_oci(const oci::Json& profile, const std::vector<std::string>& caps,
                                 const HostArch& arch);
// seccomp_to_oci, then compiled by the runtime's compiler (about 10 ms): for profiles
// users give. Docker's default profile is not compiled per container; its unit test
// compiles it for the default and for every capability.
Result<oci::Json> checked_seccomp(const oci::Json& profile, const std::vector<std::string>& caps,
                                  const HostArch& arch);
// Checks a profile given with --security-opt seccomp=FILE as create reads it.
Result<void> check_seccomp_profile(const oci::Json& profile);

// The character and block devices under /dev, as linux.devices entries (--privileged).
Result<oci::Json> host_devices();
// One linux.devices entry for `host_path` (a device node), seen at `inside`.
Result<oci::Json> linux_device(const std::string& host_path, const std::string& inside);

}  // namespace strata::container
