// SIGINT / SIGTERM for the long-running jobs (produce, stream): a graceful stop request.
//
// The constructor blocks both signals in the calling thread, so every thread started after it
// (librdkafka's, the workers, the HTTP server) inherits the mask, and one owned thread receives
// them (signalfd): the first sets stop() and is kept as signal() (exit status 130 / 143); each is
// logged as "<job>: SIGTERM: <what>". Signals a shell set to "ignore" for a background job are
// restored to their default first, or they would be discarded even while blocked.
//
// The destructor wakes that thread at once (eventfd) instead of waiting out a polling interval:
// a job's exit used to take up to 100-200 ms longer than its work.
//
// Construct one, first thing in a job's run function, on the main thread.
#pragma once

#include <atomic>
#include <string>
#include <thread>

namespace lakestream::jobs {

class StopSignals {
 public:
  // `job` and `what` make the log line (e.g. "stream", "finishing the current batch, then
  // stopping").
  StopSignals(std::string job, std::string what);
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  const std::atomic<bool>* stop() const { return &stop_; }
  // The first signal received (SIGINT or SIGTERM), 0 when none.
  int signal() const { return signal_.load(); }

 private:
  std::string job_;
  std::string what_;
  std::atomic<bool> stop_{false};
  std::atomic<int> signal_{0};
  int signal_fd_ = -1;
  int wake_fd_ = -1;
  std::thread thread_;
};

}  // namespace lakestream::jobs
