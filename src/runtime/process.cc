// SPDX-License-Identifier: Apache-2.0
#include "runtime/process.h"

#include <signal.h>

#include <algorithm>
#include <charconv>

#include "sys/fs.h"
#include "sys/pidfd.h"
#include "util/strings.h"

namespace strata::runtime {

Result<ProcStat> parse_proc_stat(std::string_view text) {
  // "pid (comm) S ppid ...": the comm ends at the last ')'.
  auto close = text.rfind(')');
  auto bad = [&] {
    return Error::make(Errc::kCorrupt,
                       fmt::format("/proc stat line \"{}\": malformed", printable(text)));
  };
  if (close == std::string_view::npos || close + 2 >= text.size()) return bad();
  auto fields = split(text.substr(close + 2), ' ');
  if (fields.size() < 20 || fields[0].size() != 1) return bad();
  ProcStat st;
  st.state = fields[0][0];
  const std::string& start = fields[19];
  auto [end, ec] = std::from_chars(start.data(), start.data() + start.size(), st.start_time);
  if (ec != std::errc() || end != start.data() + start.size()) return bad();
  return st;
}

Result<ProcStat> read_proc_stat(pid_t pid) {
  std::string path = fmt::format("/proc/{}/stat", pid);
  auto text = sys::read_file(path, 4096);
  if (!text.ok()) return std::move(text).error();
  return TRY_CTX(parse_proc_stat(*text), "{}", path);
}

bool process_alive(pid_t pid, uint64_t start_time) {
  if (pid <= 0) return false;
  auto st = read_proc_stat(pid);
  return st.ok() && st->start_time == start_time && st->state != 'Z' && st->state != 'X';
}

Result<UniqueFd> open_process(pid_t pid, uint64_t start_time) {
  auto gone = [] { return Error::make(Errc::kNotFound, "the container's init exited"); };
  if (pid <= 0) return gone();
  auto fd = sys::pidfd_open(pid);
  if (!fd.ok()) {
    if (fd.error().sys_errno() == ESRCH) return gone();
    return std::move(fd).error();
  }
  // Checked after the pidfd exists: if `pid` names the recorded process now, the
  // pidfd holds that process (a live process's pid cannot be reused).
  if (!process_alive(pid, start_time)) return gone();
  return std::move(fd).value();
}

Result<size_t> signal_cgroup(cgroup::Manager& cg, int sig) {
  std::vector<pid_t> listed = TRY(cg.processes());
  if (sig == SIGKILL && TRY(cg.kill_all())) return listed.size();
  std::vector<std::pair<pid_t, UniqueFd>> held;
  for (pid_t p : listed) {
    auto fd = sys::pidfd_open(p);
    if (fd.ok()) held.emplace_back(p, std::move(fd).value());
  }
  // Listed again after the pidfds exist: a pid still listed is the process its pidfd
  // holds, or that process is dead and the signal answers ESRCH.
  std::vector<pid_t> now = TRY(cg.processes());
  size_t signalled = 0;
  for (const auto& [p, fd] : held) {
    if (std::find(now.begin(), now.end(), p) == now.end()) continue;
    if (sys::pidfd_send_signal(fd.get(), sig).ok()) ++signalled;
  }
  return signalled;
}

}  // namespace strata::runtime
