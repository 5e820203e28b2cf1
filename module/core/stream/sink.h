// Where the bytes of a send stream go: the host's output (the send fd in
// the kernel, a file or a pipe in userspace) or a buffer in tests.
#pragma once

#include "module/core/support/result.h"
#include "module/core/support/span.h"

namespace bsend::stream {

class Sink {
public:
	// Writes all of bytes, or fails; a short write is the sink's to retry.
	virtual Result<void> write(Bytes bytes) = 0;

	// Whether the bytes are kept for a reader: a sink that throws them
	// away needs no command checksums.
	virtual bool keeps_bytes() const { return true; }

protected:
	~Sink() = default;
};

} // namespace bsend::stream
