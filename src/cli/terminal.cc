// SPDX-License-Identifier: Apache-2.0
#include "cli/terminal.h"

#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "util/strings.h"

namespace strata::cli {

RawTerminal::RawTerminal(int fd) {
  if (::tcgetattr(fd, &saved_) < 0) return;
  struct termios raw = saved_;
  ::cfmakeraw(&raw);  // output too: the container's pty has processed it already
  if (::tcsetattr(fd, TCSADRAIN, &raw) == 0) fd_ = fd;
}

RawTerminal::~RawTerminal() {
  if (fd_ >= 0) (void)::tcsetattr(fd_, TCSADRAIN, &saved_);
}

SignalFd::SignalFd(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : signals) sigaddset(&set, s);
  sigprocmask(SIG_BLOCK, &set, &old_);
  fd_.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
}

SignalFd::~SignalFd() { sigprocmask(SIG_SETMASK, &old_, nullptr); }

int SignalFd::next(bool* by_kernel) {
  struct signalfd_siginfo si;
  if (::read(fd_.get(), &si, sizeof si) != sizeof si) return 0;
  if (by_kernel != nullptr) *by_kernel = si.ssi_code == SI_KERNEL;
  return static_cast<int>(si.ssi_signo);
}

std::optional<std::string> window_size() {
  struct winsize ws = {};
  for (int fd : {1, 0})
    if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
      return fmt::format("{} {}", ws.ws_row, ws.ws_col);
  return std::nullopt;
}

Result<std::string> parse_detach_keys(std::string_view keys) {
  static constexpr std::string_view kCtrl = "@abcdefghijklmnopqrstuvwxyz[\\]^_";
  std::string out;
  for (const auto& key : split(keys, ',')) {
    if (key.size() == 1) {
      out += key[0];
      continue;
    }
    size_t at =
        key.size() == 6 && key.starts_with("ctrl-") ? kCtrl.find(key[5]) : std::string_view::npos;
    if (at == std::string_view::npos)
      return Error::make(Errc::kInvalidArgument,
                         fmt::format("Invalid detach keys ({}) provided: Unknown character: '{}'",
                                     printable(keys), printable(key)));
    out += static_cast<char>(at);
  }
  return out;
}

std::string DetachWatch::feed(std::string_view in, bool* detach) {
  *detach = false;
  std::string out;
  for (char ch : in) {
    if (keys_.empty()) {
      out += ch;
      continue;
    }
    held_ += ch;
    if (keys_.starts_with(held_)) {
      if (held_.size() == keys_.size()) {
        *detach = true;
        held_.clear();
        return out;
      }
      continue;
    }
    // The sequence broke: what was held goes on, and this byte may start it again.
    out += held_.substr(0, held_.size() - 1);
    held_.erase(0, held_.size() - 1);
    if (!keys_.starts_with(held_)) {
      out += held_;
      held_.clear();
    }
  }
  return out;
}

}  // namespace strata::cli
