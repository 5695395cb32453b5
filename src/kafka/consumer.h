// Reading Kafka by explicit offset ranges: the consumer the streaming job's micro-batches use.
//
// The streaming job plans each micro-batch as per-partition offset ranges [start, end) (from the
// watermarks and its checkpoint), then calls fetch() to get exactly those records. The consumer
// never joins a consumer group and never commits: offsets are the job's to keep (in its
// checkpoint). Group membership for scale-out is kafka::GroupMember (group_member.h); a worker
// fetches the partitions its GroupMember holds with this class.
//
// Typical use:
//   LS_ASSIGN_OR_RETURN(auto consumer, kafka::Consumer::open(options));
//   LS_ASSIGN_OR_RETURN(auto parts, consumer->partitions({"nyc-avro-topic"}));
//   LS_ASSIGN_OR_RETURN(auto marks, consumer->watermarks(parts));
//   ... plan ranges from the checkpoint's offsets and marks ...
//   LS_ASSIGN_OR_RETURN(kafka::FetchedBatch batch, consumer->fetch(ranges));
//   if (Status loss = batch.data_loss_status(); !loss.ok()) { fail or warn per failOnDataLoss }
//   for (const auto& part : batch.partitions()) for (size_t i = 0; i < part.size(); ++i)
//     decode(part[i].value);
//
// Efficiency: one librdkafka consumer fetches every partition of the batch concurrently (one
// fetch session per broker, large fetch sizes), messages are taken from its queue in batches of
// thousands, and records are never copied (FetchedBatch owns the librdkafka messages).
// Memory: a batch holds its records' fetch buffers until it is destroyed; librdkafka prefetches
// at most `queued_max_kbytes` beyond that.
//
// Thread-safety: a Consumer is used from one thread at a time (fetch() is not reentrant); the
// FetchedBatch it returns may be read from many threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "kafka/config.h"
#include "kafka/fetched_batch.h"
#include "kafka/handles.h"
#include "kafka/topic_partition.h"

namespace lakestream::kafka {

struct ConsumerOptions {
  // bootstrap.servers, plus any librdkafka property (the user's kafka.* passthrough options);
  // security.protocol, SASL and SSL settings go here. Properties set here win over the
  // consumer's defaults below. librdkafka's assign() needs a group.id: the default
  // "lakestream-offset-range-reader" is never joined nor committed to, but on clusters with ACLs
  // the principal may need DESCRIBE on it (or set group.id here to a group it may use).
  KafkaConfig config;
  // Upper bound on one fetch response from a broker (librdkafka fetch.max.bytes).
  int fetch_max_bytes = 64 << 20;
  // Upper bound per partition in one fetch response (max.partition.fetch.bytes).
  int max_partition_fetch_bytes = 8 << 20;
  // Prefetch limit of librdkafka's local queue, in KiB (queued.max.messages.kbytes).
  int queued_max_kbytes = 128 << 10;
  // Bound on metadata and offset lookups.
  std::chrono::milliseconds request_timeout{30000};
};

struct FetchOptions {
  // fetch() gives up with kTimeout when the ranges are not complete by then (e.g. a range ends
  // past the partition's high watermark, or every broker is down).
  std::chrono::milliseconds timeout{120000};
  // Checked between message batches; a stop request ends fetch() with kCancelled.
  std::stop_token stop;
};

class Consumer {
 public:
  // Creates the client (no connection is made until the first call). kInvalidArgument for a bad
  // property (secrets redacted in the message).
  static Result<std::unique_ptr<Consumer>> open(const ConsumerOptions& options);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Every partition of these topics, sorted by topic then partition. kNotFound naming the topic
  // when one does not exist (never auto-creates it).
  Result<std::vector<TopicPartition>> partitions(const std::vector<std::string>& topics);

  // Every partition of every topic whose whole name matches the POSIX extended regex `pattern`
  // (Spark's subscribePattern), internal "__*" topics excluded. An empty result is not an error
  // (topics may appear later); kInvalidArgument for a bad regex.
  Result<std::vector<TopicPartition>> partitions_matching(std::string_view pattern);

  // Low and high watermark per partition (in the order given), batched per leader.
  Result<std::vector<Watermarks>> watermarks(const std::vector<TopicPartition>& partitions);

  // Per partition, the first offset with a timestamp >= the given one (ms since epoch), or the
  // high watermark when none is that late (Spark's startingOffsetsByTimestamp).
  Result<std::vector<PartitionOffset>> offsets_for_times(
      const std::vector<TopicPartition>& partitions, const std::vector<int64_t>& timestamps_ms);

  // Fetches exactly the records with start <= offset < end of each range (ranges with
  // start == end are allowed and come back empty; at most one range per partition).
  //
  // Offsets that the broker no longer has come back as kRetention gaps in the batch, and the
  // fetch continues from the log start offset, so the caller decides whether that is fatal
  // (FetchedBatch::data_loss_status()). Holes inside the log (compaction, transaction markers)
  // are kMissing gaps.
  //
  // Errors: kInvalidArgument for a malformed range list; kNotFound for an unknown topic or
  // partition; kTimeout when the ranges are not complete within options.timeout (the message
  // names each unfinished partition and the offset it reached); kCancelled on a stop request;
  // kPermissionDenied for rejected credentials/ACLs.
  Result<FetchedBatch> fetch(const std::vector<OffsetRange>& ranges,
                             const FetchOptions& options = {});

  // The underlying handle, for metadata calls this class does not wrap.
  rd_kafka_t* handle() const { return rk_.get(); }

 private:
  Consumer(KafkaPtr rk, QueuePtr queue, std::chrono::milliseconds request_timeout);

  KafkaPtr rk_;
  QueuePtr queue_;  // the consumer queue fetched messages arrive on
  std::chrono::milliseconds request_timeout_;
  std::vector<rd_kafka_message_t*> scratch_;  // consume_batch_queue output, reused
};

}  // namespace lakestream::kafka
