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
	// A RAID5/6 data element whose copy cannot be read, rebuilt into
	// buffer from the rest of its full stripe; false when it cannot be
	// (too much of the row unreadable, or out of memory). File data has no
	// check here: the parity is trusted as read.
	bool rebuild_element(const tree::Mapping& mapping, u8* buffer, usize length);
	Result<void> decompress(const ExtentPiece& piece);

	tree::Filesystem& fs_;
	Vec<u8> compressed_;
	Vec<u8> row_bytes_;	// a full stripe's elements and scratch, for rebuilds
	Vec<u8> extent_;		// the decompressed extent of extent_key_
	u64 extent_key_ = ~0ull;	// its disk_bytenr (0 for inline)
	u64 extent_ino_ = 0;
};

} // namespace bsend::send
