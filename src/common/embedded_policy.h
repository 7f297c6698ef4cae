// common/embedded_policy.h — policy/{retention,dpa,regions,subprocessors}.json and their schemas,
// compiled into the binary: the schemas always validate, the policy files are the built-in defaults
// used when the policy directory has no such file (quickstart).
#pragma once

#include <string_view>

namespace mailrelay {

std::string_view RetentionSchemaText();
std::string_view DpaSchemaText();
std::string_view BuiltinRetentionText();
std::string_view BuiltinDpaText();
std::string_view RegionsSchemaText();
std::string_view SubprocessorsSchemaText();
std::string_view BuiltinRegionsText();
std::string_view BuiltinSubprocessorsText();

}  // namespace mailrelay
