#include "kafka/producer.h"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cstring>

#include "common/env.h"
#include "common/log.h"

namespace lakestream::kafka {
namespace {

bool secret_name(std::string_view n) {
  return n.find("password") != std::string_view::npos ||
         n.find("secret") != std::string_view::npos || n.find("jaas") != std::string_view::npos ||
         n.find("key.pem") != std::string_view::npos || n.find("ssl.key") != std::string_view::npos;
}

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};

}  // namespace

void Producer::KafkaDeleter::operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
void Producer::TopicDeleter::operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }

Result<std::unique_ptr<Producer>> Producer::create(const ProducerOptions& options) {
  if (options.bootstrap.empty()) return invalid_argument("no Kafka bootstrap servers given");
  if (options.topic.empty()) return invalid_argument("no Kafka topic given");
  std::unique_ptr<rd_kafka_conf_t, ConfDeleter> conf(rd_kafka_conf_new());
  std::vector<std::pair<std::string, std::string>> props = {
      {"bootstrap.servers", options.bootstrap},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"compression.type", "lz4"},
      {"linger.ms", "20"},
      {"batch.size", "1048576"},
      // The local queue bounds the client's memory: measured peak RSS of `produce` was ~400 MB
      // with 1M messages / 256 MiB (whatever the input size), ~160 MB with these, at the same
      // CPU per row (bench/RESULTS-producer.md).
      // With several clients the bound is shared: each gets its part.
      {"queue.buffering.max.kbytes", std::to_string(65536 / std::max(1, options.clients))},
      {"queue.buffering.max.messages", std::to_string(200000 / std::max(1, options.clients))},
  };
  for (const auto& p : options.properties) props.push_back(p);
  std::unique_ptr<Producer> self(new Producer());
  self->topic_name_ = options.topic;
  self->borrow_values_ = options.borrow_values;
  self->on_release_ = options.on_release;
  char err[512];
  for (const auto& [name, value] : props) {
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), err, sizeof(err)) !=
        RD_KAFKA_CONF_OK) {
      return invalid_argument(fmt::format("Kafka property {}={}: {}", name,
                                          secret_name(name) ? redact(value) : value, err));
    }
  }
  // The effective settings (later entries win), in first-mention order.
  std::vector<std::pair<std::string, std::string>> effective;
  for (const auto& prop : props) {
    const auto& [name, value] = prop;
    // Compare through `prop`: clang 14 cannot capture structured bindings in a lambda.
    auto it = std::find_if(effective.begin(), effective.end(),
                           [&prop](const auto& e) { return e.first == prop.first; });
    if (it == effective.end()) {
      effective.emplace_back(name, value);
    } else {
      it->second = value;
    }
  }
  for (const auto& [name, value] : effective) {
    if (!self->described_.empty()) self->described_ += ' ';
    self->described_ += name + "=" + (secret_name(name) ? redact(value) : value);
  }
  if (options.clients < 1 || options.clients > 64) {
    return invalid_argument(fmt::format("Kafka clients per producer: {} (1..64)", options.clients));
  }
  for (int c = 0; c < options.clients; ++c) {
    // Each client gets its own copy of the configuration (rd_kafka_new takes ownership).
    rd_kafka_conf_t* cc = rd_kafka_conf_dup(conf.get());
    rd_kafka_conf_set_opaque(cc, self.get());
    rd_kafka_conf_set_dr_msg_cb(cc, [](rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque) {
      on_delivery(rk, m, opaque);
    });
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, cc, err, sizeof(err));
    if (rk == nullptr) {
      rd_kafka_conf_destroy(cc);
      return internal_error(fmt::format("cannot create Kafka producer: {}", err));
    }
    Client client;
    client.rk.reset(rk);
    rd_kafka_topic_t* t = rd_kafka_topic_new(rk, options.topic.c_str(), nullptr);
    if (t == nullptr) {
      return internal_error(
          fmt::format("topic {}: {}", options.topic, rd_kafka_err2str(rd_kafka_last_error())));
    }
    client.topic.reset(t);
    self->clients_.push_back(std::move(client));
  }
  if (options.clients > 1) self->described_ += fmt::format(" (x{} clients)", options.clients);
  return self;
}

Producer::~Producer() {
  // Whatever is still queued is abandoned (flush() is the way to wait); the handle's destructor
  // would otherwise block on it.
  purge_all(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  // Serve the purged messages' reports, so on_release sees every message (a borrowed value must
  // not be freed while librdkafka may still read it, nor leak).
  flush_all(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  clients_.clear();
}

int Producer::outq_len() const {
  int n = 0;
  for (const Client& c : clients_) n += rd_kafka_outq_len(c.rk.get());
  return n;
}

bool Producer::flush_all(std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    bool empty = true;
    for (const Client& c : clients_) {
      // Short slices so every client's delivery reports keep flowing while another drains.
      if (rd_kafka_flush(c.rk.get(), 10) == RD_KAFKA_RESP_ERR__TIMED_OUT) empty = false;
    }
    if (empty) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
  }
}

void Producer::purge_all(int flags) {
  for (const Client& c : clients_) rd_kafka_purge(c.rk.get(), flags);
}

namespace {
// Delivery reports run only on the thread that drives the Producer (poll/flush), so the counters
// have a single writer: a plain load + store, without the locked read-modify-write of fetch_add
// on every message (other threads only read them, in stats()).
void bump(std::atomic<uint64_t>& counter, uint64_t by) {
  counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}
}  // namespace

void Producer::on_delivery(rd_kafka_t*, const void* msg, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  const auto* m = static_cast<const rd_kafka_message_t*>(msg);
  if (self->on_release_) self->on_release_(m->_private);
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    bump(self->delivered_, 1);
    bump(self->delivered_bytes_, m->len);
    return;
  }
  self->failed_.fetch_add(1, std::memory_order_relaxed);
  if (m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
    self->in_doubt_.fetch_add(1, std::memory_order_relaxed);
  }
  std::lock_guard lock(self->error_mu_);
  if (self->first_error_.empty()) {
    self->first_error_ = fmt::format("partition {}: {}", m->partition, rd_kafka_err2str(m->err));
  }
}

Status Producer::fatal_status() {
  for (const Client& c : clients_) {
    char reason[512];
    rd_kafka_resp_err_t e = rd_kafka_fatal_error(c.rk.get(), reason, sizeof(reason));
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    return internal_error(
        fmt::format("fatal Kafka producer error: {}: {}", rd_kafka_err2name(e), reason));
  }
  return Status();
}

Status Producer::send_batch(std::span<const OutMessage> messages, const std::atomic<bool>* cancel) {
  if (messages.empty()) return Status();
  const bool explicit_partition = messages[0].partition >= 0;
  if (!explicit_partition || clients_.size() == 1) return send_to(0, messages, cancel);
  // Several clients: each message goes through the client that owns its partition, in order.
  size_t first = client_of(messages[0].partition);
  bool one_client = true;
  for (size_t i = 1; one_client && i < messages.size(); ++i) {
    one_client = client_of(messages[i].partition) == first;
  }
  if (one_client) return send_to(first, messages, cancel);
  std::vector<OutMessage> part;
  for (size_t c = 0; c < clients_.size(); ++c) {
    part.clear();
    for (const OutMessage& m : messages) {
      if (client_of(m.partition) == c) part.push_back(m);
    }
    if (!part.empty()) LS_RETURN_IF_ERROR(send_to(c, part, cancel));
  }
  return Status();
}

Status Producer::send_to(size_t client, std::span<const OutMessage> messages,
                         const std::atomic<bool>* cancel) {
  // rd_kafka_produce_batch takes an array of rd_kafka_message_t; entries that fail with a full
  // queue are compacted to the front and retried after serving delivery reports.
  const size_t n = messages.size();
  scratch_.resize(n * sizeof(rd_kafka_message_t));
  auto* msgs = reinterpret_cast<rd_kafka_message_t*>(scratch_.data());
  const bool explicit_partition = messages[0].partition >= 0;
  for (size_t i = 0; i < n; ++i) {
    const OutMessage& m = messages[i];
    rd_kafka_message_t& k = msgs[i];
    std::memset(&k, 0, sizeof(k));
    k.payload = const_cast<uint8_t*>(m.value.data());
    k.len = m.value.size();
    k.key = m.key.empty() ? nullptr : const_cast<uint8_t*>(m.key.data());
    k.key_len = m.key.size();
    k.partition = explicit_partition ? m.partition : RD_KAFKA_PARTITION_UA;
    k._private = m.opaque;  // librdkafka's msg_opaque, back in the delivery report
  }
  // One destination for the whole batch takes librdkafka's single-partition path: no
  // partitioner call, topic lock or clock read per message (a third of the calling thread's
  // CPU in a `perf` profile of `produce` when every message went through the partitioner).
  bool one_partition = explicit_partition;
  for (size_t i = 1; one_partition && i < n; ++i) {
    one_partition = messages[i].partition == messages[0].partition;
  }
  const int32_t call_partition = one_partition ? messages[0].partition : RD_KAFKA_PARTITION_UA;
  rd_kafka_t* rk = clients_[client].rk.get();
  rd_kafka_topic_t* topic = clients_[client].topic.get();
  const int flags = (borrow_values_ ? 0 : RD_KAFKA_MSG_F_COPY) |
                    (explicit_partition && !one_partition ? RD_KAFKA_MSG_F_PARTITION : 0);
  size_t cnt = n;
  while (cnt > 0) {
    rd_kafka_produce_batch(topic, call_partition, flags, msgs, static_cast<int>(cnt));
    size_t w = 0;
    uint64_t good = 0;
    rd_kafka_resp_err_t hard = RD_KAFKA_RESP_ERR_NO_ERROR;  // first error other than a full queue
    for (size_t i = 0; i < cnt; ++i) {
      if (msgs[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        ++good;
        continue;
      }
      if (msgs[i].err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        if (hard == RD_KAFKA_RESP_ERR_NO_ERROR) hard = msgs[i].err;
        continue;
      }
      rd_kafka_message_t keep = msgs[i];
      keep.err = RD_KAFKA_RESP_ERR_NO_ERROR;  // keeps _private: the message's opaque
      msgs[w++] = keep;
    }
    bump(enqueued_, good);  // every message librdkafka took counts, also before an error
    if (hard != RD_KAFKA_RESP_ERR_NO_ERROR) {
      LS_RETURN_IF_ERROR(fatal_status());
      return invalid_argument(fmt::format("cannot enqueue a message for topic {}: {}", topic_name_,
                                          rd_kafka_err2str(hard)));
    }
    cnt = w;
    if (cnt > 0) {
      // The queue is full: wait for deliveries to make room (every client's: all report here).
      rd_kafka_poll(rk, 5);
      for (const Client& c : clients_) {
        if (c.rk.get() != rk) rd_kafka_poll(c.rk.get(), 0);
      }
      LS_RETURN_IF_ERROR(fatal_status());
      if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
        return cancelled(fmt::format("{} of {} messages of a batch for topic {} not enqueued", cnt,
                                     n, topic_name_));
      }
    }
  }
  rd_kafka_poll(rk, 0);
  return Status();
}

void Producer::poll() {
  for (const Client& c : clients_) rd_kafka_poll(c.rk.get(), 0);
}

Status Producer::flush(std::chrono::milliseconds timeout) {
  const bool empty = flush_all(std::chrono::steady_clock::now() + timeout);
  LS_RETURN_IF_ERROR(fatal_status());
  if (!empty) {
    return timeout_error(fmt::format("{} messages still in flight to topic {} after {} ms",
                                     outq_len(), topic_name_, timeout.count()));
  }
  return Status();
}

Status Producer::drain(std::chrono::milliseconds timeout,
                       std::chrono::milliseconds inflight_grace) {
  if (flush_all(std::chrono::steady_clock::now() + timeout)) return fatal_status();
  const int before = outq_len();
  // Not yet sent: failing them is certain to leave them unwritten.
  purge_all(RD_KAFKA_PURGE_F_QUEUE);
  if (flush_all(std::chrono::steady_clock::now() + inflight_grace)) {
    return timeout_error(fmt::format(
        "{} messages to topic {} not delivered within {} ms: the unsent ones were dropped", before,
        topic_name_, timeout.count()));
  }
  purge_all(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  flush_all(std::chrono::steady_clock::now() + std::chrono::seconds(1));  // the purge reports
  return timeout_error(fmt::format(
      "{} messages to topic {} not delivered within {} ms: dropped, {} of them in flight (in "
      "doubt: the broker may have written them)",
      before, topic_name_, (timeout + inflight_grace).count(),
      in_doubt_.load(std::memory_order_relaxed)));
}

Result<int32_t> Producer::partition_count(std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t e = rd_kafka_metadata(clients_[0].rk.get(), 0, clients_[0].topic.get(), &md,
                                            static_cast<int>(timeout.count()));
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (e == RD_KAFKA_RESP_ERR__TIMED_OUT || e == RD_KAFKA_RESP_ERR__TRANSPORT) {
      return timeout_error(
          fmt::format("metadata for topic {}: {}", topic_name_, rd_kafka_err2str(e)));
    }
    return unavailable(fmt::format("metadata for topic {}: {}", topic_name_, rd_kafka_err2str(e)));
  }
  std::unique_ptr<const rd_kafka_metadata_t, void (*)(const rd_kafka_metadata_t*)> guard(
      md, rd_kafka_metadata_destroy);
  if (md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return not_found(
        fmt::format("topic {}: {}", topic_name_,
                    md->topic_cnt ? rd_kafka_err2str(md->topics[0].err) : "not in metadata"));
  }
  return static_cast<int32_t>(md->topics[0].partition_cnt);
}

ProducerStats Producer::stats() const {
  ProducerStats s;
  s.enqueued = enqueued_.load(std::memory_order_relaxed);
  s.delivered = delivered_.load(std::memory_order_relaxed);
  s.failed = failed_.load(std::memory_order_relaxed);
  s.delivered_bytes = delivered_bytes_.load(std::memory_order_relaxed);
  s.in_doubt = in_doubt_.load(std::memory_order_relaxed);
  std::lock_guard lock(error_mu_);
  s.first_error = first_error_;
  return s;
}

}  // namespace lakestream::kafka
