// mime/body_selection.h — decides, as a mail client would, which parts of a MIME tree are
// the message text (plain/html) and which are attachments; decodes them all.
#pragma once

#include "mime/message.h"
#include "mime/mime_tree.h"

namespace mailrelay::mime {

// Fills message->plain, message->html and message->attachments from `root`:
//  - multipart/alternative: the last alternative that yields text/plain gives `plain`, the
//    last that yields text/html gives `html` (RFC 2046 §5.1.4: last is preferred); other
//    alternatives that are not text (text/calendar, …) are kept as attachments;
//  - multipart/related: the root part (the `start` parameter, else the first) is walked;
//    the other parts are attachments, "inline" unless they say otherwise;
//  - any other multipart (mixed, signed, report, …): parts in order; inline text/plain
//    and text/html parts are bodies (several are joined with "\n"), the rest attachments;
//  - a text part is an attachment when its disposition says so, when it names a file
//    without saying "inline", or when it is an inline file after the body of its kind;
//  - message/* parts are attachments holding the inner message (not parsed further).
// Text is converted to UTF-8, CRLF becomes LF, format=flowed is unwrapped.
void SelectBodies(const Part& root, Message* message);

}  // namespace mailrelay::mime
