#include "jobs/stream_metrics.h"

#include <nlohmann/json.hpp>

#include "common/log.h"
#include "metrics/job_endpoints.h"

namespace lakestream::jobs {

StreamMetrics::StreamMetrics()
    : rows_(registry_.counter("lakestream_stream_rows_total", "Records written to Parquet")),
      bad_records_(registry_.counter("lakestream_stream_bad_records_total",
                                     "Records that failed to decode (dead-lettered)")),
      batches_(registry_.counter("lakestream_stream_batches_total", "Committed micro-batches")),
      files_(registry_.counter("lakestream_stream_files_total", "Data files committed")),
      bytes_(registry_.counter("lakestream_stream_bytes_total", "Bytes of data files committed")),
      s3_calls_(registry_.counter("lakestream_s3_calls_total",
                                  "Object store requests by API and purpose (data or checkpoint)")),
      committed_offset_(registry_.gauge("lakestream_committed_offset",
                                        "Next offset to read per partition, as last committed")),
      lag_(registry_.gauge("lakestream_partition_lag",
                           "High watermark minus committed offset, per partition held")),
      fenced_(registry_.counter("lakestream_stream_fenced_commits_total",
                                "Batches whose commit lost to another writer (attempt dropped)")),
      rebalances_(registry_.counter("lakestream_stream_rebalances_total",
                                    "Consumer-group partition changes by kind")),
      batch_seconds_(registry_.histogram("lakestream_batch_duration_seconds",
                                         "Micro-batch duration (trigger execution)",
                                         {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60})) {
  // Series that exist from the start, so a scrape before the first batch shows zeros.
  rows_->with();
  bad_records_->with();
  batches_->with();
  files_->with();
  bytes_->with();
  fenced_->with();
  for (const char* kind : {"assigned", "revoked", "lost"}) rebalances_->with({{"kind", kind}});
}

Result<int> StreamMetrics::serve(int port) {
  auto server = metrics::serve_job_endpoints(registry_, ready_, "recovering\n", port);
  if (!server.ok()) return std::move(server).status();
  server_ = std::move(*server);
  return server_->port();
}

void StreamMetrics::observe_progress(const std::string& line) {
  auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    log::warn("metrics", "unparsable progress line ignored");
    return;
  }
  auto number = [&](const nlohmann::json& v) { return v.is_number() ? v.get<double>() : 0.0; };
  rows_->with()->add(number(j.value("numOutputRows", nlohmann::json(0))));
  bad_records_->with()->add(number(j.value("badRecords", nlohmann::json(0))));
  batches_->with()->add(1);
  if (auto s = j.find("sink"); s != j.end() && s->is_object()) {
    files_->with()->add(number(s->value("files", nlohmann::json(0))));
    bytes_->with()->add(number(s->value("bytes", nlohmann::json(0))));
  }
  // "s3" holds the data files' calls, "s3_checkpoint" the commit protocol's.
  for (const auto& [field, purpose] : {std::pair{"s3", "data"}, {"s3_checkpoint", "checkpoint"}}) {
    auto s = j.find(field);
    if (s == j.end() || !s->is_object()) continue;
    for (const auto& [api, calls] : s->items()) {
      s3_calls_->with({{"api", api}, {"purpose", purpose}})->add(number(calls));
    }
  }
  if (auto d = j.find("durationMs"); d != j.end() && d->is_object()) {
    batch_seconds_->observe(number(d->value("triggerExecution", nlohmann::json(0))) / 1000.0);
  }
  if (auto sources = j.find("sources"); sources != j.end() && sources->is_array()) {
    for (const auto& src : *sources) {
      auto end = src.find("endOffset");
      if (end == src.end() || !end->is_object()) continue;
      for (const auto& [topic, parts] : end->items()) {
        if (!parts.is_object()) continue;
        for (const auto& [partition, offset] : parts.items()) {
          committed_offset_->with({{"topic", topic}, {"partition", partition}})
              ->set(number(offset));
        }
      }
    }
  }
}

}  // namespace lakestream::jobs

namespace lakestream::jobs {

void StreamMetrics::observe_event(const stream::EngineEvent& e) {
  using Kind = stream::EngineEvent::Kind;
  switch (e.kind) {
    case Kind::kFenced:
      fenced_->with()->add(1);
      return;
    case Kind::kLag:
      for (const auto& l : e.lag) {
        metrics::Labels labels{{"topic", l.tp.topic},
                               {"partition", std::to_string(l.tp.partition)}};
        lag_->with(labels)->set(static_cast<double>(l.lag));
        if (l.committed >= 0)
          committed_offset_->with(labels)->set(static_cast<double>(l.committed));
      }
      return;
    case Kind::kAssigned:
    case Kind::kRevoked:
    case Kind::kLost:
      rebalances_->with({{"kind", stream::engine_event_name(e.kind)}})->add(1);
      // Partitions we no longer hold must not keep reporting stale gauges.
      lag_->clear();
      committed_offset_->clear();
      return;
  }
}

}  // namespace lakestream::jobs
