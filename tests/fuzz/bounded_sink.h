// The fuzz targets' stream sink: counts the stream and drops it, and stops
// a send that would write more than a fuzz input should make anyone wait
// for.
#pragma once

#include "module/core/stream/sink.h"
#include "module/core/support/errno.h"

namespace bsend::fuzz {

class BoundedSink final : public stream::Sink {
public:
	Result<void> write(Bytes bytes) override
	{
		written_ += bytes.size();
		if (written_ > kMaxStreamBytes)
			return Error::make(err::kRange, "fuzz stream bound");
		return {};
	}

private:
	static constexpr u64 kMaxStreamBytes = 16 << 20;
	u64 written_ = 0;
};

} // namespace bsend::fuzz
