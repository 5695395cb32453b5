#include "jobs/s3_flags.h"

#include <CLI/CLI.hpp>

namespace lakestream::jobs {

void add_s3_connection_options(CLI::App& cmd, storage::S3Options* s3) {
  cmd.add_option("--s3-ca-bundle", s3->ca_bundle,
                 "PEM file of CA certificates for an https S3 endpoint with a private CA (env "
                 "AWS_CA_BUNDLE)")
      ->envname("AWS_CA_BUNDLE");
  cmd.add_option("--s3-request-timeout-ms", s3->request_timeout_ms,
                 "Timeout of one S3 request in milliseconds; a request that stalls past it is "
                 "retried")
      ->capture_default_str();
  cmd.add_option("--s3-max-retries", s3->max_retries,
                 "Retries of one S3 request on transient errors (5xx, SlowDown, reset, timeout)")
      ->capture_default_str();
}

}  // namespace lakestream::jobs
