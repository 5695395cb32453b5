#include "avro/wire_format.h"

#include <gtest/gtest.h>

namespace lakestream::avro {
namespace {

TEST(AvroWireFormat, ParsesNames) {
  EXPECT_EQ(*parse_wire_format("raw"), WireFormat::kRaw);
  EXPECT_EQ(*parse_wire_format("confluent"), WireFormat::kConfluent);
  EXPECT_EQ(*parse_wire_format("auto"), WireFormat::kAuto);
  EXPECT_FALSE(parse_wire_format("Confluent").ok());
}

TEST(AvroWireFormat, ConfluentHeaderRoundTrip) {
  Buffer b;
  append_confluent_header(0x01020304, b);
  b.push_back(0x2A);
  ASSERT_EQ(b.size(), 6u);
  EXPECT_EQ(b.data()[0], 0);
  EXPECT_EQ(b.data()[1], 1);
  EXPECT_EQ(b.data()[4], 4);
  auto u = unframe(b.span(), WireFormat::kConfluent);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->schema_id, 0x01020304u);
  ASSERT_EQ(u->body.size(), 1u);
  EXPECT_EQ(u->body[0], 0x2A);
}

TEST(AvroWireFormat, RawKeepsEverything) {
  std::vector<uint8_t> v = {0, 0, 0, 0, 1, 2};
  auto u = unframe(v, WireFormat::kRaw);
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(u->schema_id.has_value());
  EXPECT_EQ(u->body.size(), 6u);
}

TEST(AvroWireFormat, ConfluentMismatchExplains) {
  std::vector<uint8_t> v = {0x02, 0x10, 0x20};
  auto u = unframe(v, WireFormat::kConfluent);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.status().code(), StatusCode::kInvalidData);
  EXPECT_NE(u.status().message().find("starts with 0x02; is the topic raw Avro?"),
            std::string::npos)
      << u.status().message();
  std::vector<uint8_t> short_v = {0x00, 0x01};
  EXPECT_NE(unframe(short_v, WireFormat::kConfluent).status().message().find("only 2 bytes"),
            std::string::npos);
}

TEST(AvroWireFormat, AutoDetects) {
  std::vector<uint8_t> conf = {0, 0, 0, 0, 7, 0x2A};
  std::vector<uint8_t> raw = {0x02, 0x2A};
  auto a = unframe(conf, WireFormat::kAuto);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->schema_id, 7u);
  auto b = unframe(raw, WireFormat::kAuto);
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->schema_id.has_value());
  // A raw record that happens to start with 0x00 is kept raw when the id is not known.
  auto c = unframe(conf, WireFormat::kAuto, [](uint32_t id) { return id == 99; });
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->schema_id.has_value());
  EXPECT_EQ(c->body.size(), 6u);
}

}  // namespace
}  // namespace lakestream::avro
