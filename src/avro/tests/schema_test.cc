#include "avro/schema.h"

#include <gtest/gtest.h>

#include "avro/columnar_mapping.h"
#include "avro/tests/test_util.h"

namespace lakestream::avro {
namespace {

TEST(AvroSchema, ParsesTaxiSchemaFile) {
  auto s = parse_schema_file(source_path("schemas/nyc_taxi.avsc"));
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(s->root().type, Type::kRecord);
  EXPECT_EQ(s->root().name, "nyc_avro_test");
  ASSERT_EQ(s->root().fields.size(), 17u);
  EXPECT_EQ(s->root().fields[1].name, "tpep_pickup_datetime");
  EXPECT_EQ(s->node(s->root().fields[1].type).type, Type::kString);
  EXPECT_EQ(s->node(s->root().fields[3].type).type, Type::kDouble);
}

TEST(AvroSchema, PrimitiveAsBareString) {
  auto s = parse_schema("\"long\"");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->root().type, Type::kLong);
}

TEST(AvroSchema, NamespacesAndReferences) {
  auto s = parse_schema(R"({"type":"record","name":"Outer","namespace":"a.b","fields":[
      {"name":"x","type":{"type":"fixed","name":"Hash","size":16}},
      {"name":"y","type":"Hash"},
      {"name":"z","type":{"type":"record","name":"c.Inner","fields":[
          {"name":"h","type":"a.b.Hash"},
          {"name":"e","type":{"type":"enum","name":"Color","symbols":["R","G"]}}]}},
      {"name":"w","type":"c.Color"}]})");
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  const Node& root = s->root();
  EXPECT_EQ(root.name, "a.b.Outer");
  EXPECT_EQ(s->node(root.fields[0].type).name, "a.b.Hash");
  EXPECT_EQ(root.fields[1].type, root.fields[0].type);
  const Node& inner = s->node(root.fields[2].type);
  EXPECT_EQ(inner.name, "c.Inner");
  // Color inherits the namespace "c" of Inner's full name.
  EXPECT_EQ(s->node(inner.fields[1].type).name, "c.Color");
  EXPECT_EQ(root.fields[3].type, inner.fields[1].type);
  EXPECT_GE(s->find_named("a.b.Hash"), 0);
}

TEST(AvroSchema, LogicalTypes) {
  auto s = parse_schema(R"({"type":"record","name":"L","fields":[
      {"name":"d","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}},
      {"name":"f","type":{"type":"fixed","name":"F","size":8,"logicalType":"decimal","precision":18,"scale":3}},
      {"name":"u","type":{"type":"string","logicalType":"uuid"}},
      {"name":"dt","type":{"type":"int","logicalType":"date"}},
      {"name":"tm","type":{"type":"int","logicalType":"time-millis"}},
      {"name":"tu","type":{"type":"long","logicalType":"time-micros"}},
      {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
      {"name":"tsu","type":{"type":"long","logicalType":"timestamp-micros"}},
      {"name":"lts","type":{"type":"long","logicalType":"local-timestamp-millis"}},
      {"name":"ltsu","type":{"type":"long","logicalType":"local-timestamp-micros"}},
      {"name":"bad","type":{"type":"long","logicalType":"date"}},
      {"name":"toobig","type":{"type":"fixed","name":"G","size":2,"logicalType":"decimal","precision":9}}]})");
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  auto lk = [&](int i) { return s->node(s->root().fields[static_cast<size_t>(i)].type).logical; };
  EXPECT_EQ(lk(0), LogicalKind::kDecimal);
  EXPECT_EQ(s->node(s->root().fields[0].type).precision, 9);
  EXPECT_EQ(s->node(s->root().fields[0].type).scale, 2);
  EXPECT_EQ(lk(1), LogicalKind::kDecimal);
  EXPECT_EQ(lk(2), LogicalKind::kUuid);
  EXPECT_EQ(lk(3), LogicalKind::kDate);
  EXPECT_EQ(lk(4), LogicalKind::kTimeMillis);
  EXPECT_EQ(lk(5), LogicalKind::kTimeMicros);
  EXPECT_EQ(lk(6), LogicalKind::kTimestampMillis);
  EXPECT_EQ(lk(7), LogicalKind::kTimestampMicros);
  EXPECT_EQ(lk(8), LogicalKind::kLocalTimestampMillis);
  EXPECT_EQ(lk(9), LogicalKind::kLocalTimestampMicros);
  // Invalid annotations are ignored, as the spec says.
  EXPECT_EQ(lk(10), LogicalKind::kNone);
  EXPECT_EQ(lk(11), LogicalKind::kNone);
}

struct BadCase {
  const char* name;
  const char* json;
  const char* expected;
};
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class AvroSchemaErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(AvroSchemaErrors, NamePathInsideSchema) {
  auto s = parse_schema(GetParam().json);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find(GetParam().expected), std::string::npos)
      << s.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    All, AvroSchemaErrors,
    ::testing::Values(
        BadCase{"UnknownTypeName",
                R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},
                  {"name":"b","type":"int"},{"name":"c","type":"int"},{"name":"d","type":"Foo"}]})",
                "fields[3].type: unknown type name 'Foo'"},
        BadCase{
            "BadDefault",
            R"({"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]})",
            "fields[0].default"},
        BadCase{
            "DuplicateField",
            R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"a","type":"long"}]})",
            "duplicate field 'a'"},
        BadCase{"DuplicateSymbol", R"({"type":"enum","name":"E","symbols":["A","A"]})",
                "symbols[1]: duplicate symbol"},
        BadCase{"EnumDefaultNotASymbol",
                R"({"type":"enum","name":"E","symbols":["A"],"default":"B"})", "default"},
        BadCase{"DuplicateUnionType", R"(["int","int"])", "[1]: duplicate type 'int'"},
        BadCase{"NestedUnion", R"(["int",["long"]])",
                "[1]: a union may not immediately contain another union"},
        // Found by fuzz.avro_schema: a union written as {"type": [...]} inside a union.
        BadCase{"NestedUnionInAnObject", R"(["null",{"type":["null","long"]}])",
                "[1]: a union may not immediately contain another union"},
        BadCase{"FixedWithoutSize", R"({"type":"fixed","name":"F"})", "size"},
        BadCase{"InvalidName", R"({"type":"record","name":"1R","fields":[]})", "invalid name"},
        BadCase{"ArrayWithoutItems", R"({"type":"array"})", "items"},
        BadCase{
            "UnionDefaultNotFirstBranch",
            R"({"type":"record","name":"R","fields":[{"name":"u","type":["null","int"],"default":1}]})",
            "fields[0].default"},
        BadCase{
            "NameDefinedTwice",
            R"({"type":"record","name":"R","fields":[{"name":"x","type":{"type":"record","name":"R","fields":[]}}]})",
            "defined twice"},
        BadCase{"NotJson", "{not json", "not valid JSON"},
        BadCase{"NumberOverflow", R"({"type":"fixed","name":"F","size":1E99999999})",
                "not valid JSON"},
        BadCase{
            "UnknownMapValues",
            R"({"type":"record","name":"R","fields":[{"name":"m","type":{"type":"map","values":"Nope"}}]})",
            "fields[0].type.values: unknown type name 'Nope'"}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return std::string(info.param.name); });

TEST(AvroSchema, DefaultsAreValidated) {
  auto s = parse_schema(R"({"type":"record","name":"R","fields":[
      {"name":"a","type":["null","int"],"default":null},
      {"name":"b","type":{"type":"array","items":"long"},"default":[1,2]},
      {"name":"c","type":{"type":"map","values":"string"},"default":{"k":"v"}},
      {"name":"d","type":{"type":"fixed","name":"F2","size":2},"default":"\u00ff\u0000"},
      {"name":"e","type":"double","default":1}]})");
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_TRUE(s->root().fields[0].default_value->is_null());
}

TEST(AvroSchema, ToJsonRoundTripsAndCanonicalFormIsStable) {
  const char* text = R"({"type":"record","name":"R","namespace":"ns","doc":"d","fields":[
      {"name":"a","type":{"type":"enum","name":"E","symbols":["X","Y"]},"default":"X"},
      {"name":"b","type":["null","E"],"default":null},
      {"name":"c","type":{"type":"long","logicalType":"timestamp-micros"}}]})";
  auto s = parse_schema(text);
  ASSERT_TRUE(s.ok());
  auto again = parse_schema(s->to_json());
  ASSERT_TRUE(again.ok()) << again.status().to_string() << "\n" << s->to_json();
  EXPECT_EQ(again->canonical_form(), s->canonical_form());
  EXPECT_EQ(
      s->canonical_form(),
      R"({"name":"ns.R","type":"record","fields":[{"name":"a","type":{"name":"ns.E","type":"enum","symbols":["X","Y"]}},{"name":"b","type":["null","ns.E"]},{"name":"c","type":"long"}]})");
  EXPECT_EQ(again->node(again->root().fields[2].type).logical, LogicalKind::kTimestampMicros);
}

TEST(AvroSchema, Fingerprint64MatchesSpecExample) {
  // Apache Avro's schema-tests.txt: "int" has fingerprint 8247732601305521295.
  auto s = parse_schema("\"int\"");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->canonical_form(), "\"int\"");
  EXPECT_EQ(s->fingerprint64(), 0x7275d51a3f395c8fULL);
}

TEST(AvroSchema, RecursiveSchemaParsesButHasNoColumns) {
  auto s = parse_schema(R"({"type":"record","name":"Node","fields":[
      {"name":"v","type":"int"},{"name":"next","type":["null","Node"]}]})");
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_TRUE(s->is_recursive());
  auto c = to_columnar_schema(*s);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("recursive"), std::string::npos);
}

}  // namespace
}  // namespace lakestream::avro
