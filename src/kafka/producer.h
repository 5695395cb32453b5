// A librdkafka producer for bulk loads: large batches in, delivery accounting out.
//
// Defaults are the safe ones: idempotent (enable.idempotence=true, so acks=all and no
// duplicates or reordering on retries), lz4 compression, linger 20 ms, 1 MiB batches, a bounded
// local queue (at most 200,000 messages and 64 MiB of payload). Any librdkafka property given in
// ProducerOptions::properties overrides these (the `kafka.*` passthrough of the produce job:
// SASL/SSL, acks, partitioner, ...).
//
// send_batch() hands librdkafka many messages at once (rd_kafka_produce_batch) and, when its
// queue is full, serves delivery reports until there is room: memory stays bounded and the
// caller is slowed to the broker's pace. Every message is accounted for once flush() returns:
// delivered or failed (stats()). A fatal idempotence error stops sending.
//
// Thread-safety: one thread drives a Producer (send_batch, poll, flush); stats() may be read from
// any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_topic_s rd_kafka_topic_t;

namespace lakestream::kafka {

struct ProducerOptions {
  std::string bootstrap;  // bootstrap.servers
  std::string topic;
  // Applied after the defaults, in order (later wins): librdkafka property name and value.
  std::vector<std::pair<std::string, std::string>> properties;
  // Number of librdkafka clients behind this Producer. librdkafka builds, compresses and sends
  // every request to a broker on that broker's one thread: with few brokers, that thread bounds
  // the rate (lz4 alone is half of it). With N clients, a message for partition p goes through
  // client p % N, so each partition still has one writer (one idempotent producer id: order and
  // no duplicates per partition hold) while N threads share the work. Messages left to the
  // partitioner all use client 0. The default local-queue bound (above) is split between the
  // clients; queue.buffering.* given in `properties` apply to each client.
  int clients = 1;
  // False: librdkafka copies each value when it is enqueued. True: it references the caller's
  // bytes instead (no copy and a smaller per-message allocation: `produce` of 2M taxi rows took
  // 1.73-1.75 CPU-s instead of 1.93-1.98); the caller must keep every value alive
  // until `on_release` is called with that message's opaque. Keys are always copied.
  bool borrow_values = false;
  // Called once for every message librdkafka took (counted in stats().enqueued), with its
  // OutMessage::opaque, after its delivery report (delivered or failed, also when purged or when
  // the Producer is destroyed). Runs on the thread that drives the Producer (send_batch, poll,
  // flush, drain, the destructor).
  std::function<void(void* opaque)> on_release;
};

// One message of a batch: spans into the caller's buffers, copied by librdkafka on send (the value
// is only referenced with ProducerOptions::borrow_values).
struct OutMessage {
  std::span<const uint8_t> value;
  std::span<const uint8_t> key;  // empty: no key
  // -1: the configured partitioner decides. Within one send_batch() call either every message
  // names its partition or none does (the first message decides).
  int32_t partition = -1;
  void* opaque = nullptr;  // handed back to ProducerOptions::on_release
};

struct ProducerStats {
  uint64_t enqueued = 0;
  uint64_t delivered = 0;
  uint64_t failed = 0;
  uint64_t delivered_bytes = 0;  // value bytes acknowledged by the broker
  // Of `failed`: messages given up while in flight by drain(); the broker may have written them.
  uint64_t in_doubt = 0;
  std::string first_error;  // the first delivery error, empty if none
};

class Producer {
 public:
  // Connects lazily (librdkafka); errors here are configuration errors (InvalidArgument naming
  // the property) or a failure to create the client (Internal).
  static Result<std::unique_ptr<Producer>> create(const ProducerOptions& options);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Enqueues every message, waiting (serving delivery reports) while the local queue is full.
  // A batch whose messages all name one partition takes librdkafka's cheaper single-partition
  // path. Errors: Unavailable/Internal with librdkafka's reason for a fatal producer error (the
  // remaining messages are not sent), InvalidArgument for an unknown partition or a message over
  // message.max.bytes, Cancelled when `cancel` becomes true while waiting for room (the messages
  // enqueued so far stay enqueued: stats().enqueued counts them).
  Status send_batch(std::span<const OutMessage> messages,
                    const std::atomic<bool>* cancel = nullptr);
  // Serves delivery reports without blocking.
  void poll();
  // Waits until every enqueued message is delivered or failed, or `timeout` passes (Timeout,
  // saying how many are still in flight).
  Status flush(std::chrono::milliseconds timeout);
  // For shutdown: waits up to `timeout` like flush(), then gives up on what is left. Messages
  // still in the local queue are purged (failed: never sent), then those in flight get up to
  // `inflight_grace` to be acknowledged before they are purged too (failed and counted in
  // stats().in_doubt: the broker may have written them). Every message has its delivery report
  // served when this returns. Timeout names what was given up.
  Status drain(std::chrono::milliseconds timeout, std::chrono::milliseconds inflight_grace);
  // Number of partitions of the topic (from metadata, client 0). Errors: NotFound, Timeout.
  Result<int32_t> partition_count(std::chrono::milliseconds timeout);

  ProducerStats stats() const;
  // stats().enqueued without the rest (no lock): for the sending thread, per batch.
  uint64_t enqueued() const { return enqueued_.load(std::memory_order_relaxed); }
  // The effective properties as "name=value" (secrets shown as ****), for the startup log line.
  const std::string& describe() const { return described_; }

 private:
  Producer() = default;
  static void on_delivery(rd_kafka_t* rk, const void* msg, void* opaque);
  Status fatal_status();
  // Enqueues messages that all go through `client` (send_batch's contract otherwise).
  Status send_to(size_t client, std::span<const OutMessage> messages,
                 const std::atomic<bool>* cancel);
  size_t client_of(int32_t partition) const {
    return partition < 0 ? 0 : static_cast<size_t>(partition) % clients_.size();
  }
  int outq_len() const;
  // Waits until every client's queue is empty or `deadline` passes: true when empty.
  bool flush_all(std::chrono::steady_clock::time_point deadline);
  void purge_all(int flags);

  struct KafkaDeleter {
    void operator()(rd_kafka_t* rk) const;
  };
  struct TopicDeleter {
    void operator()(rd_kafka_topic_t* t) const;
  };
  struct Client {
    // rk first: members are destroyed in reverse order, and a topic must go before its rk.
    std::unique_ptr<rd_kafka_t, KafkaDeleter> rk;
    std::unique_ptr<rd_kafka_topic_t, TopicDeleter> topic;
  };
  std::vector<Client> clients_;
  std::string topic_name_;
  std::string described_;
  std::atomic<uint64_t> enqueued_{0};
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> delivered_bytes_{0};
  std::atomic<uint64_t> in_doubt_{0};
  mutable std::mutex error_mu_;
  std::string first_error_;
  std::vector<uint8_t> scratch_;  // rd_kafka_message_t array storage, reused across batches
  bool borrow_values_ = false;
  std::function<void(void*)> on_release_;
};

}  // namespace lakestream::kafka
