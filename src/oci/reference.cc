// SPDX-License-Identifier: Apache-2.0
#include "oci/reference.h"

#include "util/strings.h"

namespace strata::oci {

namespace {

constexpr std::string_view kDefaultDomain = "docker.io";
constexpr size_t kMaxNameLength = 255;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [_.] | "__" | "-"+
bool valid_component(std::string_view c) {
  if (c.empty() || !is_lower_alnum(c.front()) || !is_lower_alnum(c.back())) return false;
  size_t i = 0;
  while (i < c.size()) {
    if (is_lower_alnum(c[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < c.size() && !is_lower_alnum(c[j])) ++j;
    std::string_view sep = c.substr(i, j - i);
    bool ok = sep == "." || sep == "_" || sep == "__" ||
              sep.find_first_not_of('-') == std::string_view::npos;
    if (!ok) return false;
    i = j;
  }
  return true;
}

// domain := host (":" port)?, host := dns labels or an [IPv6] literal.
bool valid_domain(std::string_view d) {
  if (d.empty()) return false;
  std::string_view host = d, port;
  if (d.front() == '[') {
    auto close = d.find(']');
    if (close == std::string_view::npos) return false;
    host = d.substr(0, close + 1);
    std::string_view rest = d.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
      if (port.empty()) return false;
    }
  } else {
    auto colon = d.rfind(':');
    if (colon != std::string_view::npos) {
      host = d.substr(0, colon);
      port = d.substr(colon + 1);
      if (port.empty()) return false;
    }
    for (const auto& label : split(host, '.')) {
      if (label.empty()) return false;
      for (char c : label)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-')) return false;
      if (label.front() == '-' || label.back() == '-') return false;
    }
  }
  for (char c : port)
    if (c < '0' || c > '9') return false;
  return true;
}

// tag := [\w][\w.-]{0,127}
bool valid_tag(std::string_view t) {
  if (t.empty() || t.size() > 128) return false;
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (!word(t.front())) return false;
  for (char c : t)
    if (!(word(c) || c == '.' || c == '-')) return false;
  return true;
}

Error invalid(std::string_view text, std::string_view why) {
  return Error::make(Errc::kInvalidArgument, fmt::format("invalid reference format \"{}\": {}",
                                                         printable(text), printable(why)));
}

}  // namespace

std::string Reference::str() const {
  std::string s = repository();
  if (!tag.empty()) s += ":" + tag;
  if (digest) s += "@" + digest->str();
  return s;
}

std::string Reference::familiar_repository() const {
  if (domain != kDefaultDomain) return repository();
  if (path.starts_with("library/") && path.find('/', 8) == std::string::npos) return path.substr(8);
  return path;
}

std::string Reference::familiar() const {
  std::string s = familiar_repository();
  if (!tag.empty()) s += ":" + tag;
  if (digest) s += "@" + digest->str();
  return s;
}

Result<Reference> parse_reference(std::string_view text) {
  if (text.empty()) return invalid(text, "empty");
  Reference ref;
  std::string_view rest = text;
  auto at = rest.find('@');
  if (at != std::string_view::npos) {
    auto d = Digest::parse(rest.substr(at + 1));
    if (!d.ok()) return invalid(text, std::move(d).error().message());
    ref.digest = *d;
    rest = rest.substr(0, at);
  }
  // A tag follows the last ':' that comes after the last '/'.
  auto slash = rest.rfind('/');
  auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    ref.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (!valid_tag(ref.tag)) return invalid(text, "bad tag");
  }
  std::string_view name = rest;
  auto first_slash = name.find('/');
  std::string_view first = name.substr(0, first_slash);
  if (first_slash != std::string_view::npos &&
      (first.find('.') != std::string_view::npos || first.find(':') != std::string_view::npos ||
       first == "localhost" ||
       first.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string_view::npos)) {
    if (!valid_domain(first)) return invalid(text, "bad registry host");
    ref.domain = std::string(first);
    name = name.substr(first_slash + 1);
  } else {
    ref.domain = std::string(kDefaultDomain);
  }
  if (ref.domain == "index.docker.io") ref.domain = std::string(kDefaultDomain);
  if (name.empty()) return invalid(text, "empty repository name");
  for (const auto& c : split(name, '/')) {
    if (!valid_component(c)) {
      if (c.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos)
        return invalid(text, "repository name must be lowercase");
      return invalid(text, fmt::format("bad path component \"{}\"", c));
    }
  }
  ref.path = std::string(name);
  if (ref.domain == kDefaultDomain && ref.path.find('/') == std::string::npos)
    ref.path = "library/" + ref.path;
  if (ref.repository().size() > kMaxNameLength)
    return invalid(text, fmt::format("repository name longer than {}", kMaxNameLength));
  if (ref.tag.empty() && !ref.digest) ref.tag = "latest";
  return ref;
}

Result<Reference> parse_tag_reference(std::string_view text) {
  Reference r = TRY(parse_reference(text));
  if (r.digest) return invalid(text, "a tag target cannot have a digest");
  return r;
}

}  // namespace strata::oci
