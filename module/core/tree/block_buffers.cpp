#include "module/core/tree/block_buffers.h"

namespace bsend::tree {

Result<RefPtr<BlockBufferPool>> BlockBufferPool::create_pool(usize block_size)
{
	auto pool = TRY(make_ref<BlockBufferPool>(block_size));
	TRY(pool->spares_.reserve(kMaxSpares));
	return pool;
}

Result<Vec<u8>> BlockBufferPool::take()
{
	if (!spares_.empty()) {
		Vec<u8> bytes = bsend::move(spares_.back());
		spares_.pop();
		return bytes;
	}
	Vec<u8> bytes;
	TRY(bytes.resize_for_overwrite(block_size_));
	return bytes;
}

void BlockBufferPool::give_back(Vec<u8> bytes)
{
	if (bytes.size() != block_size_)
		return;
	// When the spares are full, bytes is freed here instead.
	spares_.push_within_capacity(bsend::move(bytes));
}

} // namespace bsend::tree
