#include "kafka/group_member.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/log.h"
#include "kafka/errors.h"

namespace lakestream::kafka {

namespace {

std::vector<TopicPartition> to_vector(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> out;
  for (int i = 0; i < list->cnt; ++i)
    out.push_back({list->elems[i].topic, list->elems[i].partition});
  std::sort(out.begin(), out.end());
  return out;
}

std::string describe(const std::vector<TopicPartition>& tps) {
  std::string out;
  for (const auto& tp : tps)
    out += fmt::format("{}{}/{}", out.empty() ? "" : " ", tp.topic, tp.partition);
  return out;
}

}  // namespace

const char* rebalance_kind_name(RebalanceEvent::Kind kind) {
  switch (kind) {
    case RebalanceEvent::Kind::kAssigned:
      return "assigned";
    case RebalanceEvent::Kind::kRevoked:
      return "revoked";
    case RebalanceEvent::Kind::kLost:
      return "lost";
  }
  return "?";
}

GroupMember::GroupMember(std::string group_id) : group_id_(std::move(group_id)) {}

Result<std::unique_ptr<GroupMember>> GroupMember::join(const GroupOptions& options) {
  if (options.group_id.empty()) return invalid_argument("consumer group id is empty");
  if (options.topics.empty() == options.pattern.empty()) {
    return invalid_argument("consumer group: give either topics or a topic pattern");
  }
  KafkaConfig config;
  config.set("group.id", options.group_id)
      .set("client.id", "lakestream")
      .set("partition.assignment.strategy", "cooperative-sticky")
      .set("enable.auto.commit", "false")
      .set("enable.auto.offset.store", "false")
      .set("session.timeout.ms", std::to_string(options.session_timeout.count()))
      .set("heartbeat.interval.ms",
           std::to_string(std::max<int64_t>(100, options.session_timeout.count() / 10)))
      .set("max.poll.interval.ms", std::to_string(options.max_poll_interval.count()))
      // The member never reads records; keep the little it might prefetch before a pause small.
      .set("queued.max.messages.kbytes", "1024")
      .set("fetch.max.bytes", "1048576")
      .set("max.partition.fetch.bytes", "65536");
  for (const auto& [k, v] : options.config.properties()) config.set(k, v);
  if (config.get("bootstrap.servers") == nullptr) {
    return invalid_argument("consumer group: bootstrap.servers is not set");
  }

  // The callback needs the member's address before the handle exists.
  std::unique_ptr<GroupMember> member(new GroupMember(options.group_id));
  LS_ASSIGN_OR_RETURN(ConfPtr conf, config.build());
  route_logs(conf.get());
  rd_kafka_conf_set_opaque(conf.get(), member.get());
  rd_kafka_conf_set_rebalance_cb(conf.get(), &GroupMember::rebalance_callback);
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), errstr, sizeof errstr);
  if (rk == nullptr) {
    return invalid_argument(fmt::format("consumer group {}: {}", options.group_id, errstr));
  }
  (void)conf.release();
  member->rk_.reset(rk);

  PartitionListPtr subscription = make_partition_list();
  if (!options.pattern.empty()) {
    // librdkafka treats a subscription starting with '^' as a regex; anchor both ends so the
    // pattern matches whole names, as std::regex_match does in Consumer::partitions_matching.
    std::string regex = options.pattern.starts_with('^') ? options.pattern : "^" + options.pattern;
    if (!regex.ends_with('$')) regex += '$';
    rd_kafka_topic_partition_list_add(subscription.get(), regex.c_str(), RD_KAFKA_PARTITION_UA);
  } else {
    for (const std::string& t : options.topics) {
      rd_kafka_topic_partition_list_add(subscription.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
    }
  }
  LS_RETURN_IF_ERROR(kafka_status(rd_kafka_subscribe(rk, subscription.get()),
                                  fmt::format("consumer group {}: subscribe", options.group_id)));
  return member;
}

GroupMember::~GroupMember() {
  if (rk_ && !closed_) rd_kafka_consumer_close(rk_.get());
}

void GroupMember::rebalance_callback(rd_kafka_t* /*rk*/, rd_kafka_resp_err_t err,
                                     rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  static_cast<GroupMember*>(opaque)->on_rebalance(err, partitions);
}

void GroupMember::on_rebalance(rd_kafka_resp_err_t err,
                               rd_kafka_topic_partition_list_t* partitions) {
  rd_kafka_t* rk = rk_.get();
  const bool cooperative = std::string_view(rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE";
  std::vector<TopicPartition> tps = to_vector(partitions);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    ErrorPtr error;
    if (cooperative) {
      error.reset(rd_kafka_incremental_assign(rk, partitions));
    } else {
      rd_kafka_resp_err_t e = rd_kafka_assign(rk, partitions);
      if (e) error.reset(rd_kafka_error_new(e, "%s", rd_kafka_err2str(e)));
    }
    if (error) {
      callback_error_ = kafka_status(error.get(), fmt::format("group {}: assign", group_id_));
      return;
    }
    // Membership only: the worker reads these partitions by offset range with its own consumer.
    rd_kafka_pause_partitions(rk, partitions);
    if (!cooperative) assignment_.clear();
    assignment_.insert(tps.begin(), tps.end());
    if (!tps.empty()) log::info("kafka", "group {}: assigned {}", group_id_, describe(tps));
    if (!tps.empty() || !cooperative) pending_.push_back({RebalanceEvent::Kind::kAssigned, tps});
    return;
  }
  // Revocation (or an error: librdkafka asks us to drop everything).
  const bool lost = rd_kafka_assignment_lost(rk) != 0;
  ErrorPtr error;
  if (cooperative) {
    error.reset(rd_kafka_incremental_unassign(rk, partitions));
  } else {
    rd_kafka_assign(rk, nullptr);
  }
  if (error) {
    callback_error_ = kafka_status(error.get(), fmt::format("group {}: unassign", group_id_));
  }
  for (const auto& tp : tps) assignment_.erase(tp);
  log::info("kafka", "group {}: {} {}", group_id_, lost ? "lost" : "revoked", describe(tps));
  if (!tps.empty()) {
    pending_.push_back({lost ? RebalanceEvent::Kind::kLost : RebalanceEvent::Kind::kRevoked, tps});
  }
}

Result<std::vector<RebalanceEvent>> GroupMember::poll(std::chrono::milliseconds timeout) {
  if (closed_) return invalid_argument(fmt::format("group {}: member is closed", group_id_));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    // Short slices: rd_kafka_consumer_poll() keeps waiting for a message after serving a
    // rebalance, and this member never gets messages.
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    int slice = static_cast<int>(std::clamp<int64_t>(left.count(), 0, 50));
    MessagePtr msg(rd_kafka_consumer_poll(rk_.get(), slice));
    if (msg && msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      Status s = kafka_status(msg->err, fmt::format("group {}", group_id_));
      if (s.code() == StatusCode::kPermissionDenied) return s;
      log::debug("kafka", "group {}: {}", group_id_, rd_kafka_message_errstr(msg.get()));
    }
    char errstr[512];
    rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(rk_.get(), errstr, sizeof errstr);
    if (fatal != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return internal_error(fmt::format("group {}: fatal client error: {} ({})", group_id_, errstr,
                                        rd_kafka_err2name(fatal)));
    }
    if (!callback_error_.ok()) return std::exchange(callback_error_, Status());
    if (!pending_.empty()) break;
  } while (std::chrono::steady_clock::now() < deadline);
  return std::exchange(pending_, {});
}

Status GroupMember::commit_sync(const std::vector<PartitionOffset>& offsets) {
  if (offsets.empty()) return Status();
  PartitionListPtr list = make_partition_list(static_cast<int>(offsets.size()));
  for (const PartitionOffset& po : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), po.tp.topic.c_str(), po.tp.partition)->offset =
        po.offset;
  }
  rd_kafka_resp_err_t err = rd_kafka_commit(rk_.get(), list.get(), 0);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < list->cnt; ++i) {
      if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        err = list->elems[i].err;
        break;
      }
    }
  }
  return kafka_status(err, fmt::format("group {}: commit offsets", group_id_));
}

Result<std::vector<PartitionOffset>> GroupMember::committed(
    const std::vector<TopicPartition>& partitions, std::chrono::milliseconds timeout) {
  PartitionListPtr list = make_partition_list(static_cast<int>(partitions.size()));
  for (const auto& tp : partitions) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
  }
  LS_RETURN_IF_ERROR(
      kafka_status(rd_kafka_committed(rk_.get(), list.get(), static_cast<int>(timeout.count())),
                   fmt::format("group {}: committed offsets", group_id_)));
  std::vector<PartitionOffset> out;
  for (int i = 0; i < list->cnt; ++i) {
    const auto& e = list->elems[i];
    out.push_back({{e.topic, e.partition}, e.offset < 0 ? -1 : e.offset});
  }
  return out;
}

Result<std::vector<RebalanceEvent>> GroupMember::close() {
  if (closed_) return std::vector<RebalanceEvent>{};
  closed_ = true;
  // consumer_close() runs the final revocation through our callback on this thread.
  rd_kafka_resp_err_t err = rd_kafka_consumer_close(rk_.get());
  LS_RETURN_IF_ERROR(kafka_status(err, fmt::format("group {}: leave", group_id_)));
  return std::exchange(pending_, {});
}

std::string GroupMember::member_id() const {
  char* id = rd_kafka_memberid(rk_.get());
  if (id == nullptr) return {};
  std::string out(id);
  rd_kafka_mem_free(rk_.get(), id);
  return out;
}

}  // namespace lakestream::kafka
