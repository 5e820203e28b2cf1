// Where the bytes of a file extent come from. In the kernel, the page cache
// of the inode (opened by root, ino and generation); offline, the extent's
// blocks on the image. The send engine asks for one piece at a time.
#pragma once

#include "module/core/support/result.h"
#include "module/core/support/span.h"

namespace bsend::send {

// One piece of a regular (or prealloc) file extent that has data.
struct ExtentPiece {
	u64 ino = 0;
	u64 generation = 0;		// of the inode
	u64 inode_size = 0;		// as its committed inode item has it
	u64 ctime_seconds = 0;		// likewise
	u32 ctime_nanoseconds = 0;
	u64 file_offset = 0;		// where the piece starts in the file
	u64 disk_bytenr = 0;		// the extent's logical start on disk
	u64 disk_num_bytes = 0;
	u64 extent_offset = 0;		// of the piece inside the uncompressed extent
	u64 ram_bytes = 0;		// the extent's uncompressed size
	u8 compression = 0;		// format::Compression
	Bytes inline_data;		// a compressed inline extent's bytes
};

class FileData {
public:
	// Reads length bytes of the piece into buffer.
	virtual Result<void> read(const ExtentPiece& piece, u8* buffer, usize length) = 0;

protected:
	~FileData() = default;
};

} // namespace bsend::send
