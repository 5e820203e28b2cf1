// A cache of at most `capacity` entries that drops the least recently used
// one when full. Entries live in an intrusive list threaded through the
// nodes; the hash map indexes them by key.
#pragma once

#include "module/core/support/hash_map.h"
#include "module/core/support/unique_ptr.h"

namespace bsend {

template <typename K, typename V> class LruCache {
public:
	explicit LruCache(usize capacity) : capacity_(capacity ? capacity : 1) {}
	LruCache(const LruCache&) = delete;
	LruCache& operator=(const LruCache&) = delete;
	~LruCache() { clear(); }

	usize size() const { return index_.size(); }
	usize capacity() const { return capacity_; }

	// Changes the bound, dropping the least recently used entries above it.
	void set_capacity(usize capacity)
	{
		capacity_ = capacity ? capacity : 1;
		while (index_.size() > capacity_)
			evict(tail_);
	}

	// The cached value of key, now the most recently used; null if absent.
	V* get(const K& key)
	{
		Node** found = index_.find(key);
		if (!found)
			return nullptr;
		unlink(*found);
		link_front(*found);
		return &(*found)->value;
	}

	// Whether key is cached; its place in the recency order is unchanged.
	bool contains(const K& key) const { return index_.contains(key); }

	Result<void> put(const K& key, V value)
	{
		if (V* existing = get(key)) {
			*existing = bsend::move(value);
			return {};
		}
		auto node = TRY(make_unique<Node>());
		node->key = key;
		node->value = bsend::move(value);
		TRY(index_.insert(key, node.get()));
		link_front(node.leak());
		if (index_.size() > capacity_)
			evict(tail_);
		return {};
	}

	void remove(const K& key)
	{
		if (Node** found = index_.find(key))
			evict(*found);
	}

	// The least recently used entry's value, which evict_least_recent()
	// would drop; null when empty.
	V* least_recent() { return tail_ ? &tail_->value : nullptr; }
	void evict_least_recent()
	{
		if (tail_)
			evict(tail_);
	}

	void clear()
	{
		while (tail_)
			evict(tail_);
	}

private:
	struct Node {
		K key{};
		V value{};
		Node* prev = nullptr;
		Node* next = nullptr;
	};

	void link_front(Node* node)
	{
		node->prev = nullptr;
		node->next = head_;
		if (head_)
			head_->prev = node;
		head_ = node;
		if (!tail_)
			tail_ = node;
	}

	void unlink(Node* node)
	{
		if (node->prev)
			node->prev->next = node->next;
		else
			head_ = node->next;
		if (node->next)
			node->next->prev = node->prev;
		else
			tail_ = node->prev;
	}

	void evict(Node* node)
	{
		unlink(node);
		index_.remove(node->key);
		destroy(node);
	}

	HashMap<K, Node*> index_;
	Node* head_ = nullptr;
	Node* tail_ = nullptr;
	usize capacity_;
};

} // namespace bsend
