// The byte buffers of tree blocks, recycled: a block read takes the buffer
// of a block that the cache and every path have let go, instead of a fresh
// allocation (which the kernel zeroes, page by page, when init_on_alloc is
// on, as it is on Debian's kernels).
#pragma once

#include "module/core/support/ref_ptr.h"
#include "module/core/support/vec.h"

namespace bsend::tree {

class BlockBufferPool : public RefCounted<BlockBufferPool> {
public:
	// The most buffers kept for reuse: blocks leave the cache as others
	// come in, a read-ahead batch's worth at a time (up to 64 blocks), so
	// two batches' worth of spares cover a send; more would only hold
	// memory (2 MiB of 16 KiB blocks).
	static constexpr usize kMaxSpares = 128;

	// A pool of buffers of block_size bytes, with room reserved for its
	// spares.
	static Result<RefPtr<BlockBufferPool>> create_pool(usize block_size);

	explicit BlockBufferPool(usize block_size) : block_size_(block_size) {}

	// A buffer of block_size bytes whose contents are undefined.
	Result<Vec<u8>> take();

	// Keeps bytes for a later take() when it is a whole buffer and there is
	// room among the spares; frees it otherwise.
	void give_back(Vec<u8> bytes);

	usize spares() const { return spares_.size(); }

private:
	usize block_size_;
	Vec<Vec<u8>> spares_;
};

} // namespace bsend::tree
