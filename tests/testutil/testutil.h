// SPDX-License-Identifier: Apache-2.0
// Shared test helpers: a temporary directory that removes itself, and Result asserts.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "util/result.h"

namespace strata::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string sub(std::string_view rel) const { return path_ + "/" + std::string(rel); }

 private:
  std::string path_;
};

bool is_root();

}  // namespace strata::testing

#define ASSERT_OK(expr)                                         \
  do {                                                          \
    auto strata_r_ = (expr);                                    \
    ASSERT_TRUE(strata_r_.ok()) << strata_r_.error().message(); \
  } while (0)
#define EXPECT_OK(expr)                                         \
  do {                                                          \
    auto strata_r_ = (expr);                                    \
    EXPECT_TRUE(strata_r_.ok()) << strata_r_.error().message(); \
  } while (0)
// Asserts the Result holds a value and yields it (a statement expression).
#define ASSERT_OK_AND_GET(expr)                     \
  ({                                                \
    auto strata_r_ = (expr);                        \
    if (!strata_r_.ok()) {                          \
      ADD_FAILURE() << strata_r_.error().message(); \
      std::abort();                                 \
    }                                               \
    std::move(strata_r_).value();                   \
  })
