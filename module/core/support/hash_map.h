// An open-addressing hash map with linear probing and backward-shift
// deletion. Keys need operator== and a hash_of(key) overload; growth
// reports allocation failure as a value.
#pragma once

#include "module/core/support/move.h"
#include "module/core/support/result.h"
#include "module/core/support/vec.h"

namespace bsend {

inline u64 hash_of(u64 key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	key *= 0xc4ceb9fe1a85ec53ull;
	key ^= key >> 33;
	return key;
}

template <typename K, typename V> class HashMap {
public:
	usize size() const { return size_; }

	V* find(const K& key)
	{
		if (slots_.empty())
			return nullptr;
		for (usize i = home(key);; i = next(i)) {
			Slot& slot = slots_[i];
			if (!slot.used)
				return nullptr;
			if (slot.key == key)
				return &slot.value;
		}
	}

	bool contains(const K& key) const
	{
		if (slots_.empty())
			return false;
		for (usize i = home(key);; i = next(i)) {
			if (!slots_[i].used)
				return false;
			if (slots_[i].key == key)
				return true;
		}
	}

	// Inserts or replaces the value of key.
	Result<void> insert(const K& key, V value)
	{
		if (V* existing = find(key)) {
			*existing = bsend::move(value);
			return {};
		}
		if ((size_ + 1) * 4 > slots_.size() * 3)
			TRY(grow());
		usize i = home(key);
		while (slots_[i].used)
			i = next(i);
		slots_[i].used = true;
		slots_[i].key = key;
		slots_[i].value = bsend::move(value);
		size_++;
		return {};
	}

	bool remove(const K& key)
	{
		if (slots_.empty())
			return false;
		usize i = home(key);
		while (true) {
			if (!slots_[i].used)
				return false;
			if (slots_[i].key == key)
				break;
			i = next(i);
		}
		// Shift later members of the probe run back into the hole.
		usize hole = i;
		for (usize j = next(i); slots_[j].used; j = next(j)) {
			usize want = home(slots_[j].key);
			bool movable = (hole <= j) ? (want <= hole || want > j) : (want <= hole && want > j);
			if (movable) {
				slots_[hole].key = slots_[j].key;
				slots_[hole].value = bsend::move(slots_[j].value);
				hole = j;
			}
		}
		slots_[hole].used = false;
		slots_[hole].value = V();
		size_--;
		return true;
	}

	void clear()
	{
		slots_.clear();
		size_ = 0;
	}

private:
	struct Slot {
		K key{};
		V value{};
		bool used = false;
	};

	usize home(const K& key) const { return hash_of(key) & (slots_.size() - 1); }
	usize next(usize i) const { return (i + 1) & (slots_.size() - 1); }

	Result<void> grow()
	{
		Vec<Slot> old = bsend::move(slots_);
		TRY(slots_.resize(old.empty() ? 16 : old.size() * 2));
		size_ = 0;
		for (Slot& slot : old) {
			if (!slot.used)
				continue;
			usize i = home(slot.key);
			while (slots_[i].used)
				i = next(i);
			slots_[i].used = true;
			slots_[i].key = slot.key;
			slots_[i].value = bsend::move(slot.value);
			size_++;
		}
		return {};
	}

	Vec<Slot> slots_;
	usize size_ = 0;
};

} // namespace bsend
