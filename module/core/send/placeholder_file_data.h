// FileData for a dry run: the size of every WRITE follows from the extent
// items, so the bytes need not be read. Fills zeros, reads nothing.
#pragma once

#include "module/core/send/file_data.h"
#include "module/core/support/bytes.h"

namespace bsend::send {

class PlaceholderFileData final : public FileData {
public:
	Result<void> read(const ExtentPiece&, u8* buffer, usize length) override
	{
		fill_zero(buffer, length);
		return {};
	}
};

} // namespace bsend::send
