// How a send's memory budget (BSEND_IOC_SEND's, or sendctl send --image
// --memory-budget) is shared out. The budget bounds what the engine
// holds, not what it reads: at most half of it for the block cache, a
// quarter for an incremental send's change set (incremental_send.h); the
// rest is for the backref walk's answers (bounded per extent and in all,
// tree/backref.h), paths and buffers.
#pragma once

#include "module/core/tree/filesystem.h"

namespace bsend::send {

// What a send may hold when its caller does not say.
constexpr u64 kDefaultMemoryBudget = 64 << 20;
// The block cache never gets less: a tree path and its read-ahead.
constexpr usize kLeastBlockCacheBytes = 1 << 20;

struct BudgetShares {
	usize block_cache_bytes = 0;
	usize change_set_bytes = 0;
};

inline BudgetShares share_budget(u64 budget)
{
	if (!budget)
		budget = kDefaultMemoryBudget;
	BudgetShares shares;
	u64 half = budget / 2;
	shares.block_cache_bytes = half > tree::kSendBlockCacheBytes ? tree::kSendBlockCacheBytes
				 : half < kLeastBlockCacheBytes     ? kLeastBlockCacheBytes
								    : static_cast<usize>(half);
	shares.change_set_bytes = static_cast<usize>(budget / 4);
	return shares;
}

} // namespace bsend::send
