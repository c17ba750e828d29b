// SPDX-License-Identifier: Apache-2.0
// Content digests ("sha256:<64 lowercase hex>") and an incremental sha256 hasher.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "util/result.h"

namespace strata::oci {

class Digest {
 public:
  Digest() = default;
  // Strict: "sha256:" + 64 lowercase hex. sha512 parses but is kUnsupported for storage.
  static Result<Digest> parse(std::string_view text);
  static Digest from_sha256_hex(std::string hex) { return Digest(std::move(hex)); }
  static Digest of(std::string_view data);

  const std::string& hex() const { return hex_; }
  std::string str() const { return "sha256:" + hex_; }
  // The 12-hex short form Docker prints.
  std::string short_str() const { return hex_.substr(0, 12); }
  bool empty() const { return hex_.empty(); }
  bool operator==(const Digest&) const = default;
  auto operator<=>(const Digest&) const = default;

 private:
  explicit Digest(std::string hex) : hex_(std::move(hex)) {}
  std::string hex_;
};

bool is_hex(std::string_view s);

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, size_t n);
  void update(std::string_view s) { update(s.data(), s.size()); }
  Digest finish();
  uint64_t bytes() const { return bytes_; }

 private:
  EVP_MD_CTX* ctx_;
  uint64_t bytes_ = 0;
};

}  // namespace strata::oci
