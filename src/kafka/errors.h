// Translation of librdkafka error codes into lakestream Status values.
//
// The mapping decides what a caller does next, so it follows the codes' meaning rather than their
// names: transport failures and leader moves are kUnavailable (retry), an unknown topic or
// partition is kNotFound, offsets that fell out of the log are kDataLoss, rejected credentials are
// kPermissionDenied, a lost group generation is kPreconditionFailed (fenced), and so on.
// Thread-safe (pure functions).
#pragma once

#include <librdkafka/rdkafka.h>

#include <string_view>

#include "common/status.h"

namespace lakestream::kafka {

// The StatusCode that best describes `err` (kOk for RD_KAFKA_RESP_ERR_NO_ERROR).
StatusCode status_code_for(rd_kafka_resp_err_t err);

// A Status for `err`: "<what>: <librdkafka's text> (<ERR_NAME>)"; OK when err is NO_ERROR.
Status kafka_status(rd_kafka_resp_err_t err, std::string_view what);

// Same for an rd_kafka_error_t (takes no ownership; OK when error is null).
Status kafka_status(const rd_kafka_error_t* error, std::string_view what);

// Looks up an error by its librdkafka name as printed by rd_kafka_err2name(), with or without
// the leading underscore for local errors ("NOT_LEADER_FOR_PARTITION", "_TRANSPORT", "TRANSPORT").
// Returns false when no such error exists.
bool error_from_name(std::string_view name, rd_kafka_resp_err_t* out);

}  // namespace lakestream::kafka
