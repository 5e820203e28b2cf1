// A Sink that keeps nothing: a dry run counts the stream's bytes through
// the writer and throws them away, unchecksummed.
#pragma once

#include "module/core/stream/sink.h"

namespace bsend::stream {

class DiscardSink final : public Sink {
public:
	Result<void> write(Bytes) override { return {}; }
	bool keeps_bytes() const override { return false; }
};

} // namespace bsend::stream
