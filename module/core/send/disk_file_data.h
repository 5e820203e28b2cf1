// FileData read straight from the extents' blocks through the chunk map:
// the offline (image) source. Compressed extents are not supported yet.
#pragma once

#include "module/core/send/file_data.h"
#include "module/core/tree/filesystem.h"

namespace bsend::send {

class DiskFileData final : public FileData {
public:
	explicit DiskFileData(tree::Filesystem& fs) : fs_(fs) {}
	Result<void> read(const ExtentPiece& piece, u8* buffer, usize length) override;

private:
	tree::Filesystem& fs_;
};

} // namespace bsend::send
