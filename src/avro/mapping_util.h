// Internal helpers shared by the mapping, the decoder and the encoder (not part of the API).
#pragma once

#include <vector>

#include "avro/schema.h"

namespace lakestream::avro {

// How a union becomes columns: its "null" branch (if any) and the other branches in order.
struct UnionShape {
  bool has_null = false;
  int null_branch = -1;
  std::vector<int> non_null;  // branch indexes
};
UnionShape union_shape(const Schema& s, const Node& u);

}  // namespace lakestream::avro
