// `lakestream broker`: the embedded dev broker (librdkafka's mock cluster) with a stdin control
// protocol for fault injection. See kafka/mock_cluster.h for its limits and
// kafka/broker_control.h for the commands.
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "common/log.h"
#include "jobs/commands.h"
#include "jobs/exit.h"
#include "kafka/broker_control.h"
#include "kafka/mock_cluster.h"

namespace lakestream::jobs {

namespace {

struct BrokerOptions {
  int brokers = 3;
  std::vector<std::string> topics;
  int replication = 0;  // 0: min(3, brokers)
  std::string schedule_file;
};

// One reply line per control command; stdout is line-buffered by hand so a test reading the pipe
// sees each reply at once.
void reply(const Result<std::string>& result) {
  std::string line;
  if (result.ok()) {
    line = result->empty() ? "ok\n" : fmt::format("ok {}\n", *result);
  } else {
    line = fmt::format("error: {}\n", result.status().to_string());
  }
  std::fputs(line.c_str(), stdout);
  std::fflush(stdout);
}

class Controller {
 public:
  explicit Controller(kafka::MockCluster& cluster) : cluster_(cluster) {}

  // Applies one line; returns true when it asked to stop.
  bool handle(std::string_view line, bool echo_reply) {
    auto parsed = kafka::parse_control_line(line);
    if (!parsed.ok()) {
      if (echo_reply) reply(parsed.status());
      log::warn("broker", "control: {}", parsed.status().to_string());
      return false;
    }
    if (parsed->kind == kafka::ControlCommand::Kind::kNone) return false;
    Result<std::string> result = std::string();
    {
      std::lock_guard lock(mu_);
      result = kafka::apply_control(cluster_, *parsed);
    }
    log::info("broker", "control: {} -> {}", line,
              result.ok() ? "ok" : result.status().to_string());
    if (echo_reply) reply(result);
    return parsed->kind == kafka::ControlCommand::Kind::kStop;
  }

 private:
  kafka::MockCluster& cluster_;
  std::mutex mu_;  // apply_control() from the stdin loop and the schedule thread
};

Status run_broker(const BrokerOptions& options) {
  std::vector<kafka::MockTopicSpec> specs;
  for (const std::string& t : options.topics) {
    LS_ASSIGN_OR_RETURN(kafka::MockTopicSpec spec, kafka::parse_topic_spec(t));
    spec.replication = options.replication > 0 ? options.replication : 3;
    specs.push_back(std::move(spec));
  }
  std::vector<std::string> schedule;
  if (!options.schedule_file.empty()) {
    std::ifstream in(options.schedule_file);
    if (!in) return errno_error(fmt::format("read schedule {}", options.schedule_file), errno);
    for (std::string line; std::getline(in, line);) {
      LS_RETURN_IF_ERROR_CTX(kafka::parse_control_line(line).status(),
                             fmt::format("schedule {}", options.schedule_file));
      schedule.push_back(line);
    }
  }

  // Block SIGINT/SIGTERM before any librdkafka thread starts (threads inherit the mask), so the
  // signals reach only our signalfd and the shutdown path below runs on this thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  if (pthread_sigmask(SIG_BLOCK, &signals, nullptr) != 0) {
    return errno_error("block signals", errno);
  }
  int sfd = signalfd(-1, &signals, SFD_CLOEXEC);
  if (sfd < 0) return errno_error("signalfd", errno);
  struct FdCloser {
    int fd;
    ~FdCloser() { close(fd); }
  } sfd_closer{sfd};

  LS_ASSIGN_OR_RETURN(auto cluster, kafka::MockCluster::start(options.brokers));
  for (const auto& spec : specs) LS_RETURN_IF_ERROR(cluster->create_topic(spec));

  // The contract: the first stdout line is the bootstrap servers.
  std::fputs((cluster->bootstrap_servers() + "\n").c_str(), stdout);
  std::fflush(stdout);
  std::string topic_list;
  for (const auto& s : specs) topic_list += fmt::format(" {}:{}", s.name, s.partitions);
  log::info("broker",
            "{} mock broker(s) at {}; topics:{}; retention ~{} MiB per partition (librdkafka "
            "mock limit); control commands on stdin ('help'); stop with SIGINT/SIGTERM",
            options.brokers, cluster->bootstrap_servers(),
            topic_list.empty() ? " none" : topic_list,
            kafka::kMockRetentionBytesPerPartition >> 20);

  Controller controller(*cluster);
  std::mutex stop_mu;
  std::condition_variable_any stop_cv;
  bool schedule_asked_stop = false;
  int wake_pipe[2];
  if (pipe2(wake_pipe, O_CLOEXEC) != 0) return errno_error("pipe", errno);
  struct PipeCloser {
    int* fds;
    ~PipeCloser() {
      close(fds[0]);
      close(fds[1]);
    }
  } pipe_closer{wake_pipe};

  std::jthread schedule_thread;
  if (!schedule.empty()) {
    schedule_thread = std::jthread([&](std::stop_token stop) {
      for (const std::string& line : schedule) {
        if (stop.stop_requested()) return;
        auto parsed = kafka::parse_control_line(line);
        if (parsed.ok() && parsed->kind == kafka::ControlCommand::Kind::kSleep) {
          // Interruptible so a signal does not wait for the schedule's sleeps.
          std::unique_lock lock(stop_mu);
          stop_cv.wait_for(lock, stop, std::chrono::milliseconds(parsed->value),
                           [] { return false; });
          continue;
        }
        if (controller.handle(line, false)) {
          std::lock_guard lock(stop_mu);
          schedule_asked_stop = true;
          (void)!write(wake_pipe[1], "x", 1);
          return;
        }
      }
    });
  }

  std::string pending;
  bool stdin_open = true;
  Status outcome;
  for (;;) {
    pollfd fds[3] = {{sfd, POLLIN, 0}, {wake_pipe[0], POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    int n = poll(fds, stdin_open ? 3 : 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      outcome = errno_error("poll", errno);
      break;
    }
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info{};
      (void)!read(sfd, &info, sizeof info);
      log::info("broker", "signal {}: stopping", info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
      break;
    }
    if (fds[1].revents & POLLIN) {
      log::info("broker", "schedule said stop");
      break;
    }
    if (stdin_open && (fds[2].revents & (POLLIN | POLLHUP | POLLERR))) {
      char buf[4096];
      ssize_t got = read(STDIN_FILENO, buf, sizeof buf);
      if (got <= 0) {
        // EOF (e.g. started with </dev/null or in the background): keep serving until a signal.
        stdin_open = false;
        continue;
      }
      pending.append(buf, static_cast<size_t>(got));
      bool stop = false;
      size_t nl;
      while (!stop && (nl = pending.find('\n')) != std::string::npos) {
        std::string line = pending.substr(0, nl);
        pending.erase(0, nl + 1);
        stop = controller.handle(line, true);
      }
      if (stop) {
        log::info("broker", "stop command: stopping");
        break;
      }
    }
  }
  if (schedule_thread.joinable()) {
    schedule_thread.request_stop();
    schedule_thread.join();
  }
  cluster.reset();
  log::info("broker", "stopped");
  return outcome;
}

}  // namespace

void add_broker_command(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<BrokerOptions>();
  auto* cmd = app.add_subcommand(
      "broker",
      "Run an embedded Kafka-protocol dev broker (librdkafka's mock cluster). The first stdout "
      "line is the bootstrap servers; runs until SIGINT/SIGTERM or `stop` on stdin. Each partition "
      "keeps only ~5 MiB (older records are dropped: librdkafka hard-codes it). Fault-injection "
      "commands are read from stdin, one per line (send `help`).");
  cmd->add_option("--brokers", options->brokers, "Number of mock brokers (ids 1..N)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_option("--topic", options->topics,
                  "Topic to create, as NAME:PARTITIONS (repeat for more topics)")
      ->type_name("NAME:PARTITIONS");
  cmd->add_option("--replication", options->replication,
                  "Replication factor of the created topics (default: min(3, brokers))");
  cmd->add_option("--schedule", options->schedule_file,
                  "File of control commands to run in order after start (`sleep MS` paces them)");
  cmd->callback([options, exit_code] { *exit_code = finish("broker", run_broker(*options)); });
}

}  // namespace lakestream::jobs
