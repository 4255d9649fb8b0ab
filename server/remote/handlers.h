// Remote write receiver (/api/v1/write, Prometheus remote write 1.0) and
// remote read (/api/v1/read, SAMPLES responses) over the local storage.
#pragma once

#include <memory>

#include "metrics/registry.h"
#include "promlite/tsdb/logger.h"
#include "promlite/tsdb/storage.h"
#include "web/http_server.h"

namespace promlite::server {

class RemoteHandlers {
 public:
  RemoteHandlers(tsdb::Storage* storage, std::shared_ptr<tsdb::Logger> logger, Registry* registry);

  // POST /api/v1/write: snappy-compressed prometheus.WriteRequest. 204 on
  // success; 400 for undecodable bodies and out-of-order, duplicate or
  // out-of-bounds samples (the whole request is rolled back, as in
  // Prometheus, so senders do not retry it); 415 for other encodings.
  void Write(const HttpRequest& req, HttpResponse* res);
  // POST /api/v1/read: snappy-compressed prometheus.ReadRequest, answered
  // with a snappy-compressed ReadResponse of raw samples.
  void Read(const HttpRequest& req, HttpResponse* res);

 private:
  tsdb::Storage* storage_;
  std::shared_ptr<tsdb::Logger> logger_;
  Counter* invalid_labels_ = nullptr;
  Counter* samples_received_ = nullptr;
};

}  // namespace promlite::server
