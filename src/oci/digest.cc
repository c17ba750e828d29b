// SPDX-License-Identifier: Apache-2.0
#include "oci/digest.h"

#include <openssl/crypto.h>

#include "util/strings.h"

namespace strata::oci {

bool is_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

Result<Digest> Digest::parse(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos)
    return Error::make(Errc::kInvalidArgument,
                       fmt::format("invalid digest \"{}\": missing algorithm", printable(text)));
  std::string_view algo = text.substr(0, colon), hex = text.substr(colon + 1);
  if (algo == "sha256") {
    if (hex.size() != 64 || !is_hex(hex))
      return Error::make(
          Errc::kInvalidArgument,
          fmt::format("invalid digest \"{}\": want 64 lowercase hex digits", printable(text)));
    return Digest(std::string(hex));
  }
  if (algo == "sha512" && hex.size() == 128 && is_hex(hex))
    return Error::make(Errc::kUnsupported,
                       fmt::format("digest \"{}\": sha512 is not supported", printable(text)));
  return Error::make(Errc::kInvalidArgument,
                     fmt::format("invalid digest \"{}\": unknown algorithm", printable(text)));
}

Digest Digest::of(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.finish();
}

namespace {

// Before OpenSSL's first use: a SHA-256 needs nothing from openssl.cnf, and reading it
// (with the providers it names) is a third of libcrypto's start-up cost, paid by every
// command that checks a digest.
EVP_MD_CTX* new_ctx() {
  static const bool kInit = OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr) == 1;
  STRATA_CHECK(kInit);
  return EVP_MD_CTX_new();
}

}  // namespace

Sha256::Sha256() : ctx_(new_ctx()) {
  STRATA_CHECK(ctx_ != nullptr);
  STRATA_CHECK(EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) == 1);
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

void Sha256::update(const void* data, size_t n) {
  if (n == 0) return;
  STRATA_CHECK(EVP_DigestUpdate(ctx_, data, n) == 1);
  bytes_ += n;
}

Digest Sha256::finish() {
  unsigned char md[32];
  unsigned int len = 0;
  STRATA_CHECK(EVP_DigestFinal_ex(ctx_, md, &len) == 1 && len == 32);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(64, '0');
  for (int i = 0; i < 32; ++i) {
    hex[2 * i] = kHex[md[i] >> 4];
    hex[2 * i + 1] = kHex[md[i] & 15];
  }
  STRATA_CHECK(EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) == 1);
  bytes_ = 0;
  return Digest::from_sha256_hex(std::move(hex));
}

}  // namespace strata::oci
