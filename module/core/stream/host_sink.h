// A Sink that writes through the host (bsend_host_write): the send fd.
// After init(), commands are gathered into writes of up to kBatchBytes, so
// that a stream of many small commands costs few writes into the pipe (each
// a wakeup of its reader), and flush() must end the stream: it writes what
// is gathered. Without init(), every write goes straight through.
#pragma once

#include "module/core/platform.h"
#include "module/core/stream/sink.h"
#include "module/core/support/bytes.h"
#include "module/core/support/vec.h"

namespace bsend::stream {

class HostSink final : public Sink {
public:
	static constexpr usize kBatchBytes = 256 * 1024;

	explicit HostSink(bsend_host_out* out) : out_(out) {}

	// Allocates the batch buffer; before the first write.
	Result<void> init() { return batch_.resize(kBatchBytes); }

	Result<void> write(Bytes bytes) override
	{
		if (used_ + bytes.size() > batch_.size())
			TRY(flush());
		if (bytes.size() > batch_.size())
			return write_through(bytes.data(), bytes.size());
		copy_bytes(batch_.data() + used_, bytes.data(), bytes.size());
		used_ += bytes.size();
		return {};
	}

	Result<void> flush()
	{
		usize size = used_;
		used_ = 0;
		return size ? write_through(batch_.data(), size) : Result<void>();
	}

private:
	Result<void> write_through(const u8* data, usize size)
	{
		int ret = bsend_host_write(out_, data, size);
		if (ret < 0)
			return Error::make(-ret, "cannot write the send stream").mismatch(size, 0);
		return {};
	}

	bsend_host_out* out_;
	Vec<u8> batch_;
	usize used_ = 0;	// bytes of batch_ gathered, not yet written
};

} // namespace bsend::stream
