// SPDX-License-Identifier: Apache-2.0
#include "runtime/init/sync.h"

#include <gtest/gtest.h>

namespace strata::runtime::init {
namespace {

TEST(SyncRecordTest, ErrorRecordsCarryErrnoAndMessage) {
  Error e = error_from_record("E13:mount /proc: open");
  EXPECT_EQ(e.sys_errno(), 13);
  EXPECT_EQ(e.message(), "mount /proc: open: Permission denied");
  Error plain = error_from_record("E0:exec: \"x\": executable file not found in $PATH");
  EXPECT_EQ(plain.sys_errno(), 0);
  EXPECT_EQ(plain.message(), "exec: \"x\": executable file not found in $PATH");
}

TEST(SyncRecordTest, MalformedRecordsAreErrorsNotCrashes) {
  for (const char* rec : {"", "E", "Exyz:what", "E99999999999999999999:x", "E12", "Q1:x"})
    EXPECT_EQ(error_from_record(rec).code(), Errc::kInternal) << rec;
  EXPECT_EQ(error_from_record("E1\x1b[31m").message(),
            "malformed record from the child: \"E1\\x1b[31m\"");
}

TEST(SyncRecordTest, CloneReports) {
  auto c = parse_clone_report("P123 1");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->pid, 123);
  EXPECT_TRUE(c->placed);
  c = parse_clone_report("P77 0");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->placed);
  for (const char* rec : {"P", "P-1 1", "P0 1", "P12", "P12 2", "P12 1 ", "P99999999999 1"})
    EXPECT_FALSE(parse_clone_report(rec).ok()) << rec;
  auto failed = parse_clone_report("E1:join namespace /proc/1/ns/net");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message(), "join namespace /proc/1/ns/net: Operation not permitted");
}

}  // namespace
}  // namespace strata::runtime::init
