// A bsend_host_fs for a test's own host class: every read the engine makes
// goes to owner->read_at(devid, physical, buf, len).
#pragma once

#include <cstddef>
#include <cstdint>

#include "module/core/platform.h"

namespace bsend::test {

template <typename Owner> class HostAdapter {
public:
	explicit HostAdapter(Owner* owner) : state_{{&HostAdapter::read}, owner} {}
	HostAdapter(const HostAdapter&) = delete;
	HostAdapter& operator=(const HostAdapter&) = delete;

	bsend_host_fs* host() { return &state_.base; }

private:
	struct State {
		bsend_host_fs base;	// first, so that a bsend_host_fs* is a State*
		Owner* owner;
	};
	static int read(bsend_host_fs* fs, uint64_t devid, uint64_t physical, void* buf, size_t len)
	{
		return reinterpret_cast<State*>(fs)->owner->read_at(devid, physical, buf, len);
	}

	State state_;
};

} // namespace bsend::test
