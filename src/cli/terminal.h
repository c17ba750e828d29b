// SPDX-License-Identifier: Apache-2.0
// The attached CLI's terminal: raw mode (restored by the destructor, on every way out
// of the command), the window size, and Docker's detach keys.
#pragma once

#include <signal.h>
#include <termios.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"
#include "util/unique_fd.h"

namespace strata::cli {

// Docker's default detach sequence: ctrl-p, ctrl-q.
inline constexpr const char* kDefaultDetachKeys = "ctrl-p,ctrl-q";

// Puts terminal `fd` in raw mode for as long as it lives (nothing if `fd` is no terminal).
class RawTerminal {
 public:
  explicit RawTerminal(int fd);
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  int fd_ = -1;
  struct termios saved_ {};
};

// Blocks `signals` for as long as it lives (the old mask comes back after), taking them
// through a signalfd instead: an attached client sees them in its poll loop.
class SignalFd {
 public:
  explicit SignalFd(std::initializer_list<int> signals);
  ~SignalFd();
  SignalFd(const SignalFd&) = delete;
  SignalFd& operator=(const SignalFd&) = delete;
  int fd() const { return fd_.get(); }
  // The next pending signal, 0 if none. *by_kernel (if given): the kernel sent it, not
  // a kill() (a terminal's ctrl-c, which reaches the whole foreground process group).
  int next(bool* by_kernel = nullptr);

 private:
  sigset_t old_;
  UniqueFd fd_;
};

// "ROWS COLS" of the terminal on stdout (or stdin), for the attach protocol's resize.
std::optional<std::string> window_size();

// Docker's --detach-keys syntax: comma-separated keys, each one character or
// `ctrl-X` with X one of a-z @ [ \ ] ^ _. The bytes the keys send.
Result<std::string> parse_detach_keys(std::string_view keys);

// Watches input for the detach sequence: bytes that could start it are held back until
// the sequence completes (detach) or breaks (they are passed on).
class DetachWatch {
 public:
  explicit DetachWatch(std::string keys) : keys_(std::move(keys)) {}
  // What of `in` to pass on now; true in *detach when the sequence completed.
  std::string feed(std::string_view in, bool* detach);

 private:
  std::string keys_, held_;
};

}  // namespace strata::cli
