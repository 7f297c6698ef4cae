// common/json_schema.h — JSON Schema (draft-07) validation with valijson, errors as JSON
// Pointers ("at /routes/0/target: ...") so a person can find the bad spot.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.h"

namespace mailrelay {

class JsonSchema {
 public:
  // Returns the compiled schema, or InvalidArgument when `schema` is not a usable schema.
  static StatusOr<std::shared_ptr<const JsonSchema>> Compile(const nlohmann::json& schema);
  ~JsonSchema();

  // Returns OK, or InvalidArgument listing up to `max_errors` violations, each as
  // "<doc_name>: at <json pointer>: <what is wrong>".
  Status Validate(const nlohmann::json& doc, std::string_view doc_name,
                  size_t max_errors = 5) const;

 private:
  struct Impl;
  explicit JsonSchema(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Turns valijson's context path (["<root>", "[routes]", "[0]"]) into "/routes/0".
std::string ContextToJsonPointer(const std::vector<std::string>& context);

}  // namespace mailrelay
