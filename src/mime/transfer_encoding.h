// mime/transfer_encoding.h — Content-Transfer-Encoding decoders (RFC 2045 §6) plus base64
// encoding for payload builders. All decoders are lenient: they never fail.
#pragma once

#include <string>
#include <string_view>

namespace mailrelay::mime {

// Returns the bytes encoded by base64 `text`. Characters outside the alphabet (line breaks,
// junk) are skipped; '=' ends a quantum, so concatenated padded blocks decode; a missing
// final padding is tolerated.
std::string DecodeBase64(std::string_view text);

// Returns the bytes encoded by quoted-printable `text`: soft line breaks ("=" at line end,
// even with trailing blanks) are removed, "=XX" (any hex case) decoded, a malformed "="
// kept literally, and transport-added trailing blanks on a line dropped.
std::string DecodeQuotedPrintable(std::string_view text);

// Returns the file bytes of a uuencoded `text` ("begin MODE NAME" … "end"); lines before
// "begin" are ignored. Sets `*file_name` (if non-null) to the name on the begin line.
std::string DecodeUuencode(std::string_view text, std::string* file_name = nullptr);

// Returns true when `text` has a uuencode "begin " line.
bool HasUuencodeBegin(std::string_view text);

// Returns `body` decoded according to the Content-Transfer-Encoding `encoding` (any case;
// 7bit, 8bit, binary, unknown and empty pass through unchanged).
std::string DecodeTransferEncoding(std::string_view body, std::string_view encoding);

// Returns `bytes` as base64 (RFC 4648, padded, no line breaks).
std::string EncodeBase64(std::string_view bytes);

}  // namespace mailrelay::mime
