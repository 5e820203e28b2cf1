#include "module/core/send/name_index.h"

#include "module/core/support/sort.h"

namespace bsend::send::incremental {

namespace {

// Negative, zero or positive as a sorts before, with or after b: by
// parent, then by the name's bytes (unsigned), a prefix first.
int compare(const InodeName& a, const InodeName& b)
{
	if (a.parent != b.parent)
		return a.parent < b.parent ? -1 : 1;
	StringView x = a.name.view(), y = b.name.view();
	usize common = x.length() < y.length() ? x.length() : y.length();
	for (usize i = 0; i < common; i++) {
		u8 p = static_cast<u8>(x.data()[i]), q = static_cast<u8>(y.data()[i]);
		if (p != q)
			return p < q ? -1 : 1;
	}
	if (x.length() == y.length())
		return 0;
	return x.length() < y.length() ? -1 : 1;
}

} // namespace

Result<void> NameIndex::build(const Vec<InodeName>& names)
{
	names_ = &names;
	sorted_.clear();
	if (names.size() <= kScannedAtMost)
		return {};
	for (const InodeName& name : names)
		TRY(sorted_.push(&name));
	heap_sort(sorted_.data(), sorted_.size(),
		  [](const InodeName* a, const InodeName* b) { return compare(*a, *b) < 0; });
	return {};
}

bool NameIndex::contains(const InodeName& name) const
{
	if (names_ && names_->size() <= kScannedAtMost) {
		for (const InodeName& held : *names_)
			if (held.same_as(name))
				return true;
		return false;
	}
	usize low = 0, high = sorted_.size();
	while (low < high) {
		usize middle = low + (high - low) / 2;
		int order = compare(*sorted_[middle], name);
		if (order == 0)
			return true;
		if (order < 0)
			low = middle + 1;
		else
			high = middle;
	}
	return false;
}

} // namespace bsend::send::incremental
