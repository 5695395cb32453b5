#include "kafka/config.h"

#include <gtest/gtest.h>

#include "kafka/errors.h"

namespace lakestream::kafka {
namespace {

TEST(KafkaConfig, PassthroughAcceptsPrefixedAndBareNamesLaterWins) {
  KafkaConfig c;
  ASSERT_TRUE(c.set_passthrough("kafka.security.protocol=PLAINTEXT").ok());
  ASSERT_TRUE(c.set_passthrough("client.id=a=b").ok());  // value may contain '='
  ASSERT_TRUE(c.set_passthrough("kafka.security.protocol=SSL").ok());
  ASSERT_EQ(c.properties().size(), 2u);
  EXPECT_EQ(*c.get("security.protocol"), "SSL");
  EXPECT_EQ(*c.get("client.id"), "a=b");
  EXPECT_EQ(c.get("bootstrap.servers"), nullptr);
}

TEST(KafkaConfig, PassthroughWithoutEqualsIsRejectedWithoutEchoingTheValue) {
  KafkaConfig c;
  Status s = c.set_passthrough("kafka.sasl.password");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("kafka.NAME=VALUE"), std::string::npos) << s.message();
  EXPECT_EQ(c.set_passthrough("=x").code(), StatusCode::kInvalidArgument);
}

TEST(KafkaConfig, DescribeRedactsSecrets) {
  KafkaConfig c;
  c.set("bootstrap.servers", "h:9092")
      .set("sasl.password", "hunter2-canary")
      .set("ssl.key.pem", "-----BEGIN canary")
      .set("sasl.oauthbearer.client.secret", "oauth-canary");
  std::string d = c.describe();
  EXPECT_NE(d.find("bootstrap.servers=h:9092"), std::string::npos) << d;
  EXPECT_NE(d.find("sasl.password=****"), std::string::npos) << d;
  EXPECT_EQ(d.find("canary"), std::string::npos) << d;
  EXPECT_TRUE(is_secret_property("ssl.keystore.password"));
  EXPECT_TRUE(is_secret_property("sasl.jaas.config"));
  EXPECT_FALSE(is_secret_property("security.protocol"));
}

TEST(KafkaConfig, BuildRejectsUnknownPropertyByName) {
  KafkaConfig c;
  c.set("no.such.property", "1");
  auto conf = c.build();
  ASSERT_FALSE(conf.ok());
  EXPECT_EQ(conf.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(conf.status().message().find("no.such.property=1"), std::string::npos);
}

TEST(KafkaConfig, BuildErrorNeverShowsASecretValue) {
  KafkaConfig c;
  c.set("ssl.key.password", "canary-secret").set("sasl.password", "canary-secret");
  c.set("sasl.mechanisms", "NOT-A-MECHANISM");  // a failure after the secrets were accepted
  auto conf = c.build();
  ASSERT_TRUE(conf.ok());  // librdkafka checks mechanisms at rd_kafka_new time
  auto rk =
      create_handle(RD_KAFKA_CONSUMER, KafkaConfig(c).set("security.protocol", "SASL_PLAINTEXT"));
  ASSERT_FALSE(rk.ok());
  EXPECT_EQ(rk.status().message().find("canary-secret"), std::string::npos)
      << rk.status().message();
}

TEST(KafkaErrors, CodesMapToActionableStatus) {
  EXPECT_EQ(status_code_for(RD_KAFKA_RESP_ERR_NO_ERROR), StatusCode::kOk);
  EXPECT_EQ(status_code_for(RD_KAFKA_RESP_ERR__TRANSPORT), StatusCode::kUnavailable);
  EXPECT_EQ(status_code_for(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION), StatusCode::kUnavailable);
  EXPECT_EQ(status_code_for(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS), StatusCode::kAlreadyExists);
  EXPECT_EQ(status_code_for(RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE), StatusCode::kDataLoss);
  EXPECT_EQ(status_code_for(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART), StatusCode::kNotFound);
  EXPECT_EQ(status_code_for(RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION), StatusCode::kPreconditionFailed);
  EXPECT_EQ(status_code_for(RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(status_code_for(RD_KAFKA_RESP_ERR__TIMED_OUT), StatusCode::kTimeout);
  Status s = kafka_status(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, "describe t");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("describe t: "), std::string::npos);
  EXPECT_NE(s.message().find("(UNKNOWN_TOPIC_OR_PART)"), std::string::npos) << s.message();
}

TEST(KafkaErrors, ErrorFromNameFindsBrokerAndLocalErrors) {
  rd_kafka_resp_err_t e{};
  ASSERT_TRUE(error_from_name("NOT_LEADER_FOR_PARTITION", &e));
  EXPECT_EQ(e, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
  ASSERT_TRUE(error_from_name("_TRANSPORT", &e));
  EXPECT_EQ(e, RD_KAFKA_RESP_ERR__TRANSPORT);
  ASSERT_TRUE(error_from_name("TRANSPORT", &e));
  EXPECT_EQ(e, RD_KAFKA_RESP_ERR__TRANSPORT);
  ASSERT_TRUE(error_from_name("NO_ERROR", &e));
  EXPECT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_FALSE(error_from_name("NOT_A_KAFKA_ERROR", &e));
}

}  // namespace
}  // namespace lakestream::kafka
