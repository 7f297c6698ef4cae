// common/embedded_schemas.h — the JSON Schemas from schemas/, compiled into the binary so a
// deployed mailrelay validates its inputs without the source tree.
#pragma once

#include <string_view>

namespace mailrelay {

std::string_view ConfigSchemaText();

}  // namespace mailrelay
