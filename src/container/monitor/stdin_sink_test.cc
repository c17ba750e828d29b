// SPDX-License-Identifier: Apache-2.0
#include "container/monitor/stdin_sink.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <string>

namespace strata::container::monitor {
namespace {

struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int p[2];
    EXPECT_EQ(::pipe2(p, O_CLOEXEC), 0);
    r = p[0];
    w = p[1];
  }
  ~Pipe() {
    if (r >= 0) ::close(r);
    if (w >= 0) ::close(w);
  }
  std::string drain() {
    ::fcntl(r, F_SETFL, ::fcntl(r, F_GETFL) | O_NONBLOCK);
    std::string out;
    char buf[65536];
    ssize_t n;
    while ((n = ::read(r, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }
};

TEST(StdinSink, AReaderThatNeverReadsDoesNotBlockTheWriter) {
  Pipe p;
  StdinSink s;
  s.set_limit(256 * 1024);
  s.reset(p.w);
  std::string chunk(100 * 1024, 'x');
  // A pipe holds 64 KiB: without the queue the second write would block for ever.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(s.write(chunk));
  EXPECT_GT(s.queued(), 0u);
  EXPECT_EQ(s.events(), POLLOUT);
  EXPECT_TRUE(s.has_room());
  ASSERT_TRUE(s.write(chunk));
  EXPECT_FALSE(s.has_room());  // the monitor stops reading its clients now
  // As the container reads, the queue drains, in order.
  std::string got;
  while (s.queued() > 0) {
    got += p.drain();
    ASSERT_TRUE(s.flush());
  }
  got += p.drain();
  EXPECT_EQ(got, chunk + chunk + chunk + chunk);
  EXPECT_EQ(s.events(), 0);
  EXPECT_TRUE(s.has_room());
}

TEST(StdinSink, AClosedReaderIsReportedAndTheQueueDropped) {
  ::signal(SIGPIPE, SIG_IGN);  // as the monitor runs
  Pipe p;
  StdinSink s;
  s.reset(p.w);
  ::close(p.r);
  p.r = -1;
  EXPECT_FALSE(s.write("hello"));
  EXPECT_EQ(s.queued(), 0u);
}

TEST(StdinSink, NoStdinDropsWrites) {
  StdinSink s;
  s.reset(-1);
  EXPECT_TRUE(s.write("ignored"));
  EXPECT_EQ(s.queued(), 0u);
  EXPECT_EQ(s.events(), 0);
}

}  // namespace
}  // namespace strata::container::monitor
