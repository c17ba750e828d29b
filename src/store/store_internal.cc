// SPDX-License-Identifier: Apache-2.0
#include "store/store_internal.h"

#include <dirent.h>
#include <sys/random.h>

#include <cerrno>
#include <ctime>

#include "oci/media_types.h"
#include "util/defer.h"

namespace strata::store::internal {

namespace {

std::string random_from(std::string_view alphabet, size_t n) {
  std::string bytes(n, '\0');
  size_t have = 0;
  while (have < n) {
    ssize_t got = ::getrandom(bytes.data() + have, n - have, 0);
    if (got < 0) {
      STRATA_CHECK(errno == EINTR);  // getrandom(0) only fails this way after boot
      continue;
    }
    have += static_cast<size_t>(got);
  }
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i)
    out[i] = alphabet[static_cast<unsigned char>(bytes[i]) % alphabet.size()];
  return out;
}

}  // namespace

std::string random_hex(size_t n) { return random_from("0123456789abcdef", n); }

std::string random_base32(size_t n) { return random_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", n); }

int64_t unix_now() { return static_cast<int64_t>(::time(nullptr)); }

Result<std::vector<std::string>> list_dir(const std::string& path) {
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return Error::from_errno(errno, fmt::format("opendir `{}`", path));
  Defer close_dir([&] { ::closedir(d); });
  std::vector<std::string> out;
  while (struct dirent* de = ::readdir(d)) {
    std::string_view n = de->d_name;
    if (n != "." && n != "..") out.emplace_back(n);
  }
  return out;
}

Result<std::set<std::string>> column_set(Db& db, const char* sql) {
  auto st = TRY(db.prepare(sql));
  std::set<std::string> out;
  while (TRY(st.step())) {
    std::string v = st.text(0);
    if (v.starts_with("sha256:")) v = v.substr(7);
    out.insert(std::move(v));
  }
  return out;
}

LayerRecord layer_record(const StagedLayer& s, std::string_view media_type) {
  LayerRecord l;
  l.diff_id = s.info.diff_id;
  l.blob_digest = s.blob.digest;
  l.media_type = std::string(media_type);
  l.blob_size = s.blob.size;
  l.diff_size = static_cast<int64_t>(s.info.diff_size);
  l.unpacked_size = static_cast<int64_t>(s.info.file_bytes);
  l.link = s.link;
  return l;
}

std::string describe_image(std::string_view config, const std::vector<LayerRecord>& layers) {
  return describe_image(oci::Digest::of(config), static_cast<int64_t>(config.size()), layers);
}

std::string describe_image(const oci::Digest& config, int64_t config_size,
                           const std::vector<LayerRecord>& layers) {
  oci::Manifest m;
  m.media_type = std::string(oci::media::kOciManifest);
  m.config = {std::string(oci::media::kOciConfig), config, config_size, {}, {}};
  for (const auto& l : layers)
    m.layers.push_back({l.media_type, l.blob_digest, l.blob_size, {}, {}});
  return oci::dump_json(m.to_json());
}

}  // namespace strata::store::internal
