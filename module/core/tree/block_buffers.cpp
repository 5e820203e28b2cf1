#include "module/core/tree/block_buffers.h"

#include "module/core/platform.h"

namespace bsend::tree {

Result<BlockBuffer> BlockBuffer::allocate(usize size)
{
	auto* bytes = static_cast<u8*>(bsend_host_alloc_pages(size));
	if (!bytes)
		return Error::make(err::kNoMemory, "out of memory for a tree block buffer");
	return BlockBuffer(bytes, size);
}

BlockBuffer& BlockBuffer::operator=(BlockBuffer&& other)
{
	if (this != &other) {
		release();
		bytes_ = other.bytes_;
		size_ = other.size_;
		other.bytes_ = nullptr;
		other.size_ = 0;
	}
	return *this;
}

void BlockBuffer::release()
{
	bsend_host_free_pages(bytes_, size_);
	bytes_ = nullptr;
	size_ = 0;
}

Result<RefPtr<BlockBufferPool>> BlockBufferPool::create_pool(usize block_size)
{
	auto pool = TRY(make_ref<BlockBufferPool>(block_size));
	TRY(pool->spares_.reserve(kMaxSpares));
	return pool;
}

Result<BlockBuffer> BlockBufferPool::take()
{
	if (!spares_.empty()) {
		BlockBuffer buffer = bsend::move(spares_.back());
		spares_.pop();
		return buffer;
	}
	return BlockBuffer::allocate(block_size_);
}

void BlockBufferPool::give_back(BlockBuffer buffer)
{
	if (buffer.size() != block_size_)
		return;
	// When the spares are full, buffer is freed here instead.
	spares_.push_within_capacity(bsend::move(buffer));
}

} // namespace bsend::tree
