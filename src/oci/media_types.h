// SPDX-License-Identifier: Apache-2.0
// Media types we read and write (OCI image-spec media-types.md, Docker schema2).
#pragma once

#include <string_view>

namespace strata::oci::media {

inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayerGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view kDockerLayerTar = "application/vnd.docker.image.rootfs.diff.tar";

enum class Compression { kNone, kGzip, kZstd };

// Layer media type -> compression; false for anything that is not a layer type we know.
bool layer_compression(std::string_view media_type, Compression* out);
std::string_view oci_layer_type(Compression c);
bool is_manifest_type(std::string_view t);
bool is_index_type(std::string_view t);
bool is_config_type(std::string_view t);

}  // namespace strata::oci::media
