// The engine's C entry points (platform.h): thin wrappers that turn C
// arguments into engine types and Results back into errnos.
#include "module/core/platform.h"
#include "module/core/tree/device_super.h"

using namespace bsend;

namespace {

// Stream versions written: v1 now; v2 once its commands exist.
constexpr u32 kProtoMin = 1;
constexpr u32 kProtoMax = 1;

} // namespace

extern "C" int bsend_engine_check_device_super(const void* super, size_t len,
					       const uint8_t fsid[16],
					       bsend_device_identity* identity,
					       bsend_error* error)
{
	auto result = tree::check_device_super(Bytes(static_cast<const u8*>(super), len),
					       Span<const u8>(fsid, 16));
	if (!result.is_ok()) {
		*error = result.error().to_c();
		return error->err;
	}
	*identity = result.value();
	return 0;
}

extern "C" uint32_t bsend_engine_proto_min(void) { return kProtoMin; }

extern "C" uint32_t bsend_engine_proto_max(void) { return kProtoMax; }
