// FileData read straight from the extents' blocks through the chunk map:
// the offline (image) source. A compressed extent is read and decompressed
// (by the host) whole, and kept for the next pieces of the same extent.
#pragma once

#include "module/core/send/file_data.h"
#include "module/core/support/vec.h"
#include "module/core/tree/filesystem.h"

namespace bsend::send {

class DiskFileData final : public FileData {
public:
	explicit DiskFileData(tree::Filesystem& fs) : fs_(fs) {}
	Result<void> read(const ExtentPiece& piece, u8* buffer, usize length) override;

private:
	Result<void> read_raw(const ExtentPiece& piece, u64 logical, u8* buffer, usize length);
	Result<void> decompress(const ExtentPiece& piece);

	tree::Filesystem& fs_;
	Vec<u8> compressed_;
	Vec<u8> extent_;		// the decompressed extent of extent_key_
	u64 extent_key_ = ~0ull;	// its disk_bytenr (0 for inline)
	u64 extent_ino_ = 0;
};

} // namespace bsend::send
