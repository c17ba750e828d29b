// SPDX-License-Identifier: Apache-2.0
// Defer runs a callable at scope exit unless cancelled: the undo step of partial work.
#pragma once

#include <utility>

namespace strata {

template <typename F>
class Defer {
 public:
  explicit Defer(F f) : f_(std::move(f)) {}
  ~Defer() {
    if (armed_) f_();
  }
  Defer(const Defer&) = delete;
  Defer& operator=(const Defer&) = delete;
  void cancel() { armed_ = false; }

 private:
  F f_;
  bool armed_ = true;
};

}  // namespace strata
