// In-place heap sort: O(n log n), no allocation, no recursion.
#pragma once

#include "module/core/support/move.h"
#include "module/core/support/types.h"

namespace bsend {

// Sorts items[0, count) so that !less(items[j], items[i]) for i < j.
template <typename T, typename Less> void heap_sort(T* items, usize count, Less&& less)
{
	auto sift_down = [&](usize root, usize end) {
		while (2 * root + 1 < end) {
			usize child = 2 * root + 1;
			if (child + 1 < end && less(items[child], items[child + 1]))
				child++;
			if (!less(items[root], items[child]))
				return;
			T held = bsend::move(items[root]);
			items[root] = bsend::move(items[child]);
			items[child] = bsend::move(held);
			root = child;
		}
	};
	for (usize i = count / 2; i > 0; i--)
		sift_down(i - 1, count);
	for (usize end = count; end > 1; end--) {
		T held = bsend::move(items[0]);
		items[0] = bsend::move(items[end - 1]);
		items[end - 1] = bsend::move(held);
		sift_down(0, end - 1);
	}
}

} // namespace bsend
