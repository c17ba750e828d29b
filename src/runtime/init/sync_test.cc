// SPDX-License-Identifier: Apache-2.0
#include "runtime/init/sync.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "util/unique_fd.h"

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

struct SeqpacketPair {
  SeqpacketPair() {
    int sv[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    parent.reset(sv[0]);
    child.reset(sv[1]);
  }
  UniqueFd parent, child;
};

TEST(SyncGoTest, CarriesPayloadsFarLargerThanOneRecord) {
  // One record of the state JSON failed with EMSGSIZE past the socket's buffer, and the
  // init read at most 64 KiB of it.
  for (size_t size : {size_t{0}, size_t{1}, size_t{65537}, size_t{300000}, kMaxGoPayloadBytes}) {
    SeqpacketPair p;
    std::string sent(size, 'x');
    for (size_t i = 0; i < size; i += 4093) sent[i] = static_cast<char>('a' + i % 26);
    int rc = -1;
    std::thread sender([&] { rc = send_go(p.parent.get(), sent); });
    std::string got = "stale";
    EXPECT_TRUE(recv_go(p.child.get(), &got)) << size;
    sender.join();
    EXPECT_EQ(rc, 0) << size;
    EXPECT_TRUE(got == sent) << size << " bytes sent, " << got.size() << " received";
  }
}

TEST(SyncGoTest, PayloadsOverTheCapAreRefusedOnBothSides) {
  SeqpacketPair p;
  errno = 0;
  EXPECT_EQ(send_go(p.parent.get(), std::string(kMaxGoPayloadBytes + 1, 'x')), -1);
  EXPECT_EQ(errno, EMSGSIZE);
  // An announced size over the cap is refused before anything is allocated for it.
  std::string head = "G" + std::to_string(kMaxGoPayloadBytes + 1);
  ASSERT_EQ(::send(p.parent.get(), head.data(), head.size(), 0), static_cast<ssize_t>(head.size()));
  std::string got;
  EXPECT_FALSE(recv_go(p.child.get(), &got));
  for (const char* bad : {"X12", "G", "G-1", "G12x"}) {
    ASSERT_EQ(::send(p.parent.get(), bad, strlen(bad), 0), static_cast<ssize_t>(strlen(bad)));
    EXPECT_FALSE(recv_go(p.child.get(), &got)) << bad;
  }
  // A parent that closes mid-payload.
  ASSERT_EQ(::send(p.parent.get(), "G10", 3, 0), 3);
  ASSERT_EQ(::send(p.parent.get(), "12345", 5, 0), 5);
  p.parent.reset();
  EXPECT_FALSE(recv_go(p.child.get(), &got));
}

}  // namespace
}  // namespace strata::runtime::init
