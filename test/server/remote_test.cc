// Remote write into the server and remote read out of it, with the wire
// format built by the test itself.
#include "remote/proto/remote.pb.h"
#include "server_fixture.h"
#include "snappy.h"

using promlite::testing::TestServer;
using nlohmann::json;

namespace {

std::string Encode(const prometheus::WriteRequest& wr) {
  std::string pb = wr.SerializeAsString(), out;
  snappy::Compress(pb.data(), pb.size(), &out);
  return out;
}

prometheus::WriteRequest OneSeries(const std::string& name, int64_t t0, int n) {
  prometheus::WriteRequest wr;
  auto* ts = wr.add_timeseries();
  auto* l = ts->add_labels();
  l->set_name("__name__");
  l->set_value(name);
  l = ts->add_labels();
  l->set_name("job");
  l->set_value("rw");
  for (int i = 0; i < n; i++) {
    auto* s = ts->add_samples();
    s->set_timestamp(t0 + i * 15000);
    s->set_value(i * 2.5);
  }
  return wr;
}

}  // namespace

TEST_CASE("Remote write stores samples; remote read returns them", "[server][remote]") {
  TestServer s("scrape_configs: []\n", {});
  s.flags().web_enable_remote_write_receiver = true;
  REQUIRE(s.Start().ok());
  httplib::Client c("127.0.0.1", s.port());
  httplib::Headers h{{"Content-Encoding", "snappy"}, {"X-Prometheus-Remote-Write-Version", "0.1.0"}};
  auto r = c.Post("/api/v1/write", h, Encode(OneSeries("rw_metric", 1000000, 10)), "application/x-protobuf");
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 204);
  json j = s.GetJson("/api/v1/query?query=rw_metric&time=1135");
  REQUIRE(j["data"]["result"].size() == 1);
  CHECK(j["data"]["result"][0]["value"][1] == "22.5");

  // Out of order: 400 and nothing of the request is stored.
  auto bad = OneSeries("rw_metric", 1000000 - 15000, 2);
  r = c.Post("/api/v1/write", h, Encode(bad), "application/x-protobuf");
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(r->body.find("out of order sample") != std::string::npos);
  // Garbage bodies are 400, other encodings 415.
  r = c.Post("/api/v1/write", h, std::string("not snappy"), "application/x-protobuf");
  REQUIRE(r);
  CHECK(r->status == 400);
  r = c.Post("/api/v1/write", {{"Content-Encoding", "gzip"}}, std::string("x"), "application/x-protobuf");
  REQUIRE(r);
  CHECK(r->status == 415);

  prometheus::ReadRequest rr;
  auto* q = rr.add_queries();
  q->set_start_timestamp_ms(0);
  q->set_end_timestamp_ms(2000000);
  auto* m = q->add_matchers();
  m->set_type(prometheus::LabelMatcher::EQ);
  m->set_name("__name__");
  m->set_value("rw_metric");
  std::string pb = rr.SerializeAsString(), body;
  snappy::Compress(pb.data(), pb.size(), &body);
  r = c.Post("/api/v1/read", h, body, "application/x-protobuf");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  std::string raw;
  REQUIRE(snappy::Uncompress(r->body.data(), r->body.size(), &raw));
  prometheus::ReadResponse resp;
  REQUIRE(resp.ParseFromString(raw));
  REQUIRE(resp.results_size() == 1);
  REQUIRE(resp.results(0).timeseries_size() == 1);
  CHECK(resp.results(0).timeseries(0).samples_size() == 10);
}

TEST_CASE("Remote write is off unless enabled", "[server][remote]") {
  TestServer s("scrape_configs: []\n", {});
  REQUIRE(s.Start().ok());
  httplib::Client c("127.0.0.1", s.port());
  auto r = c.Post("/api/v1/write", std::string("x"), "application/x-protobuf");
  REQUIRE(r);
  CHECK(r->status == 404);
}
