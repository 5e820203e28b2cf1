#include "module/core/send/host_file_data.h"

namespace bsend::send {

Result<void> HostFileData::read(const ExtentPiece& piece, u8* buffer, usize length)
{
	const bsend_committed_inode committed = {piece.generation, piece.inode_size, piece.ctime_seconds,
						 piece.ctime_nanoseconds, 0};
	int ret = bsend_host_read_file(files_, root_, piece.ino, &committed, piece.file_offset, buffer, length);
	if (ret < 0)
		return Error::make(-ret, "cannot read file data").at_ino(piece.ino).mismatch(piece.file_offset, length);
	return {};
}

} // namespace bsend::send
