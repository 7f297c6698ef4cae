// api/access_recorder.h — THE hook for auditing reads of personal data over the API.
//
// DESIGN.md: "every call that reads personal data is itself audited". The audit log is not
// wired into the API yet; when it is, implement AccessRecorder on top of auditlog/ (actor =
// "token:<id>", action, the request's parameters, how many records were disclosed) and pass
// it to ApiServer. The router calls Record() once per such call, AFTER the data was read and
// BEFORE any of it is sent: if Record() fails, the caller gets 503 and nothing is disclosed.
// No personal data is in an AccessEvent (parameters are route ids, statuses, times, limits,
// cursors — never an address or subject).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace mailrelay::api {

struct AccessEvent {
  int64_t token_id = 0;
  std::string token_name;
  std::string role;                           // "admin" | "compliance" | …
  std::string action;                         // e.g. "messages.list"
  std::map<std::string, std::string> params;  // the request's query parameters, as given
  std::vector<std::string> record_ids;        // the records disclosed (ids are not personal)
};

class AccessRecorder {
 public:
  virtual ~AccessRecorder() = default;
  // Returns Ok once the access is durably recorded; anything else blocks the response (503).
  virtual Status Record(const AccessEvent& event) = 0;
};

// The default until the audit log is wired in: records nothing.
class NoopAccessRecorder : public AccessRecorder {
 public:
  Status Record(const AccessEvent&) override { return Status::Ok(); }
};

}  // namespace mailrelay::api
