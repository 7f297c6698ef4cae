// common/json_schema.cc — the valijson adapter; valijson exceptions stop here.
#include "common/json_schema.h"

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

namespace mailrelay {

struct JsonSchema::Impl {
  valijson::Schema schema;
};

JsonSchema::JsonSchema(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JsonSchema::~JsonSchema() = default;

StatusOr<std::shared_ptr<const JsonSchema>> JsonSchema::Compile(const nlohmann::json& schema) {
  auto impl = std::make_unique<Impl>();
  try {
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(schema);
    parser.populateSchema(adapter, impl->schema);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("invalid JSON schema: ") + e.what());
  }
  return std::shared_ptr<const JsonSchema>(new JsonSchema(std::move(impl)));
}

std::string ContextToJsonPointer(const std::vector<std::string>& context) {
  std::string pointer;
  for (const std::string& part : context) {
    if (part == "<root>") continue;
    std::string token = part;
    if (token.size() >= 2 && token.front() == '[' && token.back() == ']') {
      token = token.substr(1, token.size() - 2);
    }
    if (token.size() >= 2 && token.front() == '"' && token.back() == '"') {
      token = token.substr(1, token.size() - 2);
    }
    pointer += '/';
    for (char c : token) {  // RFC 6901 escaping
      if (c == '~') {
        pointer += "~0";
      } else if (c == '/') {
        pointer += "~1";
      } else {
        pointer += c;
      }
    }
  }
  return pointer.empty() ? "/" : pointer;
}

Status JsonSchema::Validate(const nlohmann::json& doc, std::string_view doc_name,
                            size_t max_errors) const {
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter adapter(doc);
  bool ok = false;
  try {
    ok = validator.validate(impl_->schema, adapter, &results);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string(doc_name) + ": " + e.what());
  }
  if (ok) return Status::Ok();
  // valijson reports the enclosing nodes too ("failed to validate item #0"); the deepest
  // pointer is the one a person needs, so keep the errors with the longest paths first.
  std::vector<valijson::ValidationResults::Error> errors(results.begin(), results.end());
  std::stable_sort(errors.begin(), errors.end(), [](const auto& a, const auto& b) {
    return a.context.size() > b.context.size();
  });
  std::string message;
  size_t shown = 0;
  for (const auto& error : errors) {
    if (shown == max_errors) break;
    if (shown > 0 && error.context.size() < errors.front().context.size()) break;
    if (!message.empty()) message += "\n";
    message += std::string(doc_name) + ": at " + ContextToJsonPointer(error.context) + ": " +
               error.description;
    ++shown;
  }
  return Status::InvalidArgument(message);
}

}  // namespace mailrelay
