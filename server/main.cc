// promlite: a drop-in for the Prometheus server.
#include <malloc.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <thread>

#include "app/flags.h"
#include "app/server.h"
#include "promlite/tsdb/logger.h"
#include "promlite/tsdb/runtime.h"

int main(int argc, char** argv) {
  promlite::tsdb::DisableMutexDeadlockDetection();
#if defined(__GLIBC__)
  // One malloc arena per core instead of glibc's eight: each arena keeps its
  // own free space, and the server's dozen threads otherwise spread the same
  // long-lived data over a dozen partly empty heaps (about 1 MB of RSS at
  // 50k series; see docs/design-notes.md). MALLOC_ARENA_MAX still wins.
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) {
    mallopt(M_ARENA_MAX, static_cast<int>(std::max(2u, std::thread::hardware_concurrency())));
  }
#endif
  promlite::server::Flags flags;
  int code = 0;
  if (!promlite::server::ParseFlags(argc, argv, &flags, &code)) return code;

  // Signals are taken by one thread with sigwait; every other thread
  // inherits the blocked mask.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto server = promlite::server::Server::Create(flags);
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n",
                 promlite::tsdb::FormatLogLine(promlite::tsdb::LogFormat::kLogfmt, promlite::tsdb::LogLevel::kError,
                                               "main", std::string(server.status().message()), {})
                     .c_str());
    return 1;
  }
  promlite::server::Server* s = server->get();
  std::atomic<bool> done{false};
  std::thread signals([&] {
    timespec timeout{0, 200 * 1000 * 1000};
    while (!done) {
      int sig = sigtimedwait(&set, nullptr, &timeout);
      if (sig == SIGHUP) {
        s->Reload().IgnoreError();  // logged by Reload; the old config keeps running
      } else if (sig == SIGTERM || sig == SIGINT) {
        s->RequestStop();
        return;
      }
    }
  });
  int rc = s->Run();
  done = true;
  signals.join();
  server->reset();
  return rc;
}
