// The byte buffers of tree blocks, recycled: a block read takes the buffer
// of a block that the cache and every path have let go, instead of a fresh
// allocation (which the kernel zeroes, page by page, when init_on_alloc is
// on, as it is on Debian's kernels).
#pragma once

#include "module/core/support/ref_ptr.h"
#include "module/core/support/vec.h"

namespace bsend::tree {

// The bytes of one tree block, in whole pages of their own
// (bsend_host_alloc_pages): the devices read into them directly, and a
// block of a power-of-two size takes no more memory than its size.
class BlockBuffer {
public:
	// A buffer of size bytes whose contents are undefined.
	static Result<BlockBuffer> allocate(usize size);

	BlockBuffer() = default;
	BlockBuffer(BlockBuffer&& other)
		: bytes_(other.bytes_), size_(other.size_)
	{
		other.bytes_ = nullptr;
		other.size_ = 0;
	}
	BlockBuffer& operator=(BlockBuffer&& other);
	BlockBuffer(const BlockBuffer&) = delete;
	BlockBuffer& operator=(const BlockBuffer&) = delete;
	~BlockBuffer() { release(); }

	u8* data() { return bytes_; }
	const u8* data() const { return bytes_; }
	usize size() const { return size_; }

private:
	BlockBuffer(u8* bytes, usize size) : bytes_(bytes), size_(size) {}
	void release();

	u8* bytes_ = nullptr;
	usize size_ = 0;
};

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
	Result<BlockBuffer> take();

	// Keeps buffer for a later take() when it is of block_size bytes and
	// there is room among the spares; frees it otherwise.
	void give_back(BlockBuffer buffer);

	usize spares() const { return spares_.size(); }

private:
	usize block_size_;
	Vec<BlockBuffer> spares_;
};

} // namespace bsend::tree
