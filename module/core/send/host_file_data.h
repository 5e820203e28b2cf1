// FileData through the host (bsend_host_read_file): in the kernel, the
// page cache of the inode opened by file handle. btrfs itself decompresses
// and checks data checksums on that path.
#pragma once

#include "module/core/send/file_data.h"

namespace bsend::send {

class HostFileData final : public FileData {
public:
	HostFileData(bsend_host_files* files, u64 root) : files_(files), root_(root) {}
	Result<void> read(const ExtentPiece& piece, u8* buffer, usize length) override;

private:
	bsend_host_files* files_;
	u64 root_;
};

} // namespace bsend::send
