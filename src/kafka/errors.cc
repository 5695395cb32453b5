#include "kafka/errors.h"

#include <fmt/format.h>

#include <string>

namespace lakestream::kafka {

StatusCode status_code_for(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      return StatusCode::kOk;
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
      return StatusCode::kTimeout;
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_GROUP:
    case RD_KAFKA_RESP_ERR__NOENT:
      return StatusCode::kNotFound;
    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
      return StatusCode::kAlreadyExists;
    case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
    case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
      return StatusCode::kDataLoss;
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR__SSL:
      return StatusCode::kPermissionDenied;
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_INVALID_REQUEST:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PROTOCOL:
      return StatusCode::kInvalidArgument;
    case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION:
      return StatusCode::kUnimplemented;
    case RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION:
    case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID:
    case RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID:
    case RD_KAFKA_RESP_ERR__FENCED:
    case RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST:
      return StatusCode::kPreconditionFailed;
    case RD_KAFKA_RESP_ERR__DESTROY:
      return StatusCode::kCancelled;
    case RD_KAFKA_RESP_ERR__FAIL:
    case RD_KAFKA_RESP_ERR__BAD_MSG:
      return StatusCode::kInvalidData;
    default:
      // Transport errors, leader elections, coordinator moves, throttling and anything new:
      // treat as transient so the caller's retry policy (bounded) decides.
      return StatusCode::kUnavailable;
  }
}

Status kafka_status(rd_kafka_resp_err_t err, std::string_view what) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status();
  return Status(status_code_for(err),
                fmt::format("{}: {} ({})", what, rd_kafka_err2str(err), rd_kafka_err2name(err)));
}

Status kafka_status(const rd_kafka_error_t* error, std::string_view what) {
  if (error == nullptr) return Status();
  rd_kafka_resp_err_t code = rd_kafka_error_code(error);
  return Status(
      status_code_for(code),
      fmt::format("{}: {} ({})", what, rd_kafka_error_string(error), rd_kafka_err2name(code)));
}

bool error_from_name(std::string_view name, rd_kafka_resp_err_t* out) {
  const struct rd_kafka_err_desc* descs = nullptr;
  size_t count = 0;
  rd_kafka_get_err_descs(&descs, &count);
  std::string bare(name.starts_with('_') ? name.substr(1) : name);
  for (size_t i = 0; i < count; ++i) {
    if (descs[i].name == nullptr) continue;
    std::string_view candidate(descs[i].name);
    std::string_view candidate_bare = candidate.starts_with('_') ? candidate.substr(1) : candidate;
    if (candidate == name || candidate_bare == bare) {
      *out = descs[i].code;
      return true;
    }
  }
  return false;
}

}  // namespace lakestream::kafka
