// S3 connection flags shared by the jobs that talk to S3 (stream, produce, files): a private CA
// bundle for https endpoints, the per-request timeout and the retry budget.
#pragma once

#include "storage/object_store.h"

namespace CLI {
class App;
}

namespace lakestream::jobs {

// Registers on `cmd`, bound to `s3` (which must outlive the parse):
//   --s3-ca-bundle FILE          PEM CA bundle for https endpoints (env AWS_CA_BUNDLE)
//   --s3-request-timeout-ms MS   whole-request timeout; a stalled response past it is retried
//   --s3-max-retries N           retries per request on transient errors (5xx, SlowDown, reset)
// Unset values keep S3Options' defaults (the CA bundle then falls back to AWS_CA_BUNDLE when the
// store resolves its credentials).
void add_s3_connection_options(CLI::App& cmd, storage::S3Options* s3);

}  // namespace lakestream::jobs
