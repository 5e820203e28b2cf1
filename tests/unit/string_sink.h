// A stream::Sink that keeps the stream in memory, for tests.
#pragma once

#include <string>

#include "module/core/stream/sink.h"

namespace bsend::test {

class StringSink final : public stream::Sink {
public:
	Result<void> write(Bytes bytes) override
	{
		data.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
		return {};
	}
	std::string data;
};

} // namespace bsend::test
