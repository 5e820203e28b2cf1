// A Sink that writes through the host (bsend_host_write): the send fd.
#pragma once

#include "module/core/platform.h"
#include "module/core/stream/sink.h"

namespace bsend::stream {

class HostSink final : public Sink {
public:
	explicit HostSink(bsend_host_out* out) : out_(out) {}
	Result<void> write(Bytes bytes) override
	{
		int ret = bsend_host_write(out_, bytes.data(), bytes.size());
		if (ret < 0)
			return Error::make(-ret, "cannot write the send stream").mismatch(bytes.size(), 0);
		return {};
	}

private:
	bsend_host_out* out_;
};

} // namespace bsend::stream
