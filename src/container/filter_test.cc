// SPDX-License-Identifier: Apache-2.0
#include "container/filter.h"

#include <gtest/gtest.h>

#include "testutil/testutil.h"

namespace strata::container {
namespace {

Container make(std::string name, std::string status, int exit_code, int64_t created) {
  Container c;
  c.id = std::string(64, 'a');
  c.id.replace(0, name.size() < 8 ? name.size() : 8, name.substr(0, 8));
  c.name = std::move(name);
  c.state.status = std::move(status);
  c.state.exit_code = exit_code;
  c.state.started_ns = c.state.status == "created" ? 0 : created + 1;
  c.created_ns = created;
  c.image_id = oci::Digest::from_sha256_hex(std::string(64, 'f'));
  c.config = {{"Labels", {{"tier", "web"}, {"empty", ""}}}};
  return c;
}

bool pass(const std::vector<std::string>& args, const Container& c, ResolvedFilters r = {}) {
  return matches(MUST(parse_filters(args)), r, c);
}

std::string refusal(const std::vector<std::string>& args) {
  auto f = parse_filters(args);
  return f.ok() ? "" : f.error().message();
}

TEST(FilterTest, StatusAlternatives) {
  Container up = make("web", "running", 0, 10);
  EXPECT_TRUE(pass({"status=running"}, up));
  EXPECT_TRUE(pass({"status=exited", "status=running"}, up));
  EXPECT_FALSE(pass({"status=exited"}, up));
  EXPECT_TRUE(MUST(parse_filters({"status=exited"})).implies_all());
  EXPECT_FALSE(MUST(parse_filters({"name=x"})).implies_all());
}

TEST(FilterTest, NameAndIdAreUnanchoredRegexps) {
  Container c = make("web_1", "running", 0, 10);
  EXPECT_TRUE(pass({"name=web"}, c));
  EXPECT_TRUE(pass({"name=^web_1$"}, c));
  EXPECT_TRUE(pass({"name=^/web"}, c));  // Docker's names start with "/"
  EXPECT_FALSE(pass({"name=^eb"}, c));
  EXPECT_TRUE(pass({"name=nope", "name=b_"}, c));
  EXPECT_TRUE(pass({"id=" + c.id.substr(0, 5)}, c));
  EXPECT_FALSE(pass({"id=0123"}, c));
}

TEST(FilterTest, LabelsMustAllMatch) {
  Container c = make("web", "running", 0, 10);
  EXPECT_TRUE(pass({"label=tier"}, c));
  EXPECT_TRUE(pass({"label=tier=web", "label=empty="}, c));
  EXPECT_FALSE(pass({"label=tier=db"}, c));
  EXPECT_FALSE(pass({"label=tier", "label=missing"}, c));
}

TEST(FilterTest, ExitedNeedsAStoppedContainerThatRan) {
  EXPECT_TRUE(pass({"exited=3"}, make("a", "exited", 3, 10)));
  EXPECT_TRUE(pass({"exited=0", "exited=3"}, make("a", "exited", 3, 10)));
  EXPECT_FALSE(pass({"exited=0"}, make("a", "exited", 3, 10)));
  EXPECT_FALSE(pass({"exited=0"}, make("a", "created", 0, 10)));
  EXPECT_FALSE(pass({"exited=0"}, make("a", "running", 0, 10)));
}

TEST(FilterTest, HealthMatchesTheStatusGiven) {
  Container c = make("web", "running", 0, 10);
  ResolvedFilters r;
  r.health = [](const Container&) { return std::string("unhealthy"); };
  EXPECT_TRUE(pass({"health=unhealthy"}, c, r));
  EXPECT_TRUE(pass({"health=healthy", "health=unhealthy"}, c, r));
  EXPECT_FALSE(pass({"health=healthy"}, c, r));
  EXPECT_FALSE(pass({"health=none"}, c, {}));  // nothing to tell: no match
  EXPECT_EQ(refusal({"health=sick"}), "Unrecognised filter value for health: sick");
  EXPECT_EQ(refusal({"health=starting", "health=none"}), "");
}

TEST(FilterTest, AncestorBeforeAndSince) {
  Container old = make("old", "exited", 0, 10), mid = make("mid", "exited", 0, 20),
            young = make("young", "running", 0, 30);
  ResolvedFilters r;
  r.ancestor_ids = {mid.image_id.str()};
  EXPECT_TRUE(pass({"ancestor=busybox"}, mid, r));
  EXPECT_FALSE(pass({"ancestor=nothing"}, mid, {}));  // an image that is not there: no match
  r = {};
  r.before = mid;
  EXPECT_TRUE(matches({}, r, old));
  EXPECT_FALSE(matches({}, r, mid));
  EXPECT_FALSE(matches({}, r, young));
  r = {};
  r.since = mid;
  EXPECT_TRUE(matches({}, r, young));
  EXPECT_FALSE(matches({}, r, mid));
  EXPECT_FALSE(matches({}, r, old));
}

TEST(FilterTest, RefusalsInDockerdsWords) {
  EXPECT_EQ(refusal({"bogus=1"}), "invalid filter 'bogus'");
  EXPECT_EQ(refusal({"status"}), "bad format of filter (expected name=value)");
  EXPECT_EQ(refusal({"status=gone"}),
            "invalid filter 'status=gone': invalid value for state (gone): must be one of "
            "created, running, paused, restarting, removing, exited, dead");
  EXPECT_EQ(refusal({"exited=x"}),
            "invalid filter 'exited=x': strconv.Atoi: parsing \"x\": invalid syntax");
  EXPECT_EQ(refusal({"exited=99999999999"}),
            "invalid filter 'exited=99999999999': strconv.Atoi: parsing \"99999999999\": value "
            "out of range");
  EXPECT_NE(refusal({"name=a("}).find("invalid filter 'name=a(': "), std::string::npos);
  EXPECT_EQ(refusal({"Status=running"}), "invalid filter 'Status'");
}

}  // namespace
}  // namespace strata::container
