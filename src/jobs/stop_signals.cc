#include "jobs/stop_signals.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>

#include "common/log.h"

namespace lakestream::jobs {
namespace {

sigset_t stop_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

StopSignals::StopSignals(std::string job, std::string what)
    : job_(std::move(job)), what_(std::move(what)) {
  const sigset_t set = stop_set();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal_fd_ = signalfd(-1, &set, SFD_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_CLOEXEC);
  if (signal_fd_ < 0 || wake_fd_ < 0) {
    // Without them the job still runs; it just cannot be stopped gracefully (the signals stay
    // blocked and pending, so say so rather than hide it).
    log::warn(job_, "cannot watch SIGINT/SIGTERM (signalfd/eventfd failed); stop it with SIGKILL");
    return;
  }
  thread_ = std::thread([this] {
    pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    for (;;) {
      if (::poll(fds, 2, -1) < 0) continue;  // EINTR
      if (fds[1].revents & POLLIN) return;   // the destructor
      signalfd_siginfo info;
      if (::read(signal_fd_, &info, sizeof(info)) != sizeof(info)) continue;
      const int sig = static_cast<int>(info.ssi_signo);
      if (!stop_.exchange(true)) signal_.store(sig);
      log::info(job_, "{}: {}", sig == SIGINT ? "SIGINT" : "SIGTERM", what_);
    }
  });
}

StopSignals::~StopSignals() {
  if (thread_.joinable()) {
    const uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof(one));
    thread_.join();
  }
  if (signal_fd_ >= 0) ::close(signal_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
  const sigset_t set = stop_set();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace lakestream::jobs
