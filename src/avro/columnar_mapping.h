// How an Avro schema becomes columns (the shape the decoder fills and the encoder reads).
//
//   record            -> group (the root record -> the Schema's root; its name is the record's)
//   ["null", T] / [T, "null"]
//                     -> T with repetition optional
//   other unions      -> group with one optional child per non-null branch, named member0,
//                        member1, ... (Spark's convention); the group is optional iff the union
//                        has a "null" branch; a one-branch union [T] is just T
//   array             -> LIST  (3-level: group (LIST) { repeated group list { element } })
//   map               -> MAP   (3-level: group (MAP) { repeated group key_value
//                                                      { required key (STRING); value } })
//   boolean/int/long/float/double -> BOOLEAN/INT32/INT64/FLOAT/DOUBLE
//   string, uuid      -> BYTE_ARRAY STRING          bytes -> BYTE_ARRAY
//   enum              -> BYTE_ARRAY ENUM (the symbol)
//   fixed             -> FIXED_LEN_BYTE_ARRAY(size)
//   decimal           -> DECIMAL(precision, scale) on BYTE_ARRAY (bytes) or FLBA (fixed)
//   date              -> INT32 DATE; time-millis -> INT32 TIME(ms); time-micros -> INT64 TIME(us)
//   timestamp-*       -> INT64 TIMESTAMP, utc_adjusted = true
//   local-timestamp-* -> INT64 TIMESTAMP, utc_adjusted = false
//   null (outside a union) -> optional INT32 column that is always null
// Non-nullable containers are required groups. Leaf columns come out in depth-first field order,
// which is the order the decoder fills and the encoder reads.
//
// Errors: kInvalidArgument for a root that is not a record, or a recursive schema.
#pragma once

#include "avro/schema.h"
#include "columnar/schema.h"
#include "common/status.h"

namespace lakestream::avro {

Result<columnar::Schema> to_columnar_schema(const Schema& schema);

// The columnar field for one Avro node (used by the above; exposed for tests and tools).
Result<columnar::Field> to_columnar_field(const Schema& schema, NodeId node, std::string name);

}  // namespace lakestream::avro
