// Where S3 settings come from when S3Options leaves them empty: the standard AWS environment
// variables, then the shared credentials file (~/.aws/credentials or AWS_SHARED_CREDENTIALS_FILE,
// profile from S3Options::profile or AWS_PROFILE). Explicit options always win.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/object_store.h"

namespace lakestream::storage {

// Fills empty fields of `options` (endpoint, region, access_key, secret_key, session_token,
// ca_bundle) from the environment, then the credentials file. Region defaults to us-east-1.
// kPermissionDenied when no access key/secret pair is found anywhere (the message lists where it
// looked, never a secret).
Status resolve_s3_options(S3Options* options);

// Parses an INI credentials file's text: the [profile] section's keys into `options` (only fields
// still empty). Returns false when the profile is absent.
bool apply_credentials_file(std::string_view text, std::string_view profile, S3Options* options);

}  // namespace lakestream::storage
