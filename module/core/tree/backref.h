// The backref walk: for a data extent, every file extent item that points
// at it in a given set of allowed roots (the clone sources of a send: the
// send root, the parent, the -c sources), with where in the extent each one
// begins and how much of it each maps.
//
// The extent tree's backrefs say where to look (data_backrefs.h): an
// indirect ref names an inode and a backref offset, a shared ref names a
// leaf whose items give inodes and backref offsets. Each distinct (inode,
// backref offset) is then looked up in every allowed root's own tree
// (file_extent_refs.h). The kernel instead walks tree block backrefs from
// each leaf up to the roots that own it; looking the key up in the allowed
// roots gives the same answer for them, reads only their trees (never the
// other snapshots'), and costs a search per allowed root, from the block
// cache when the roots share blocks. It is complete: every file extent
// item of an allowed root is counted by an indirect ref with its inode and
// backref offset, or by a shared ref whose leaf holds it.
//
// The walk of one extent is bounded, in memory and in searches
// (WalkBounds): it reads at most 4096 of the extent's backrefs (inline ones
// first, then in key order), looks up at most 8192 (inode, offset) keys,
// and stops looking once it holds 16384 references. An extent with more (one block reflinked a
// million times) is answered with the references those give: a partial
// answer (ExtentRefs::complete is false), from which the clone finder
// picks as from any other; what it leaves out is written instead of cloned.
// (The in-kernel send clones nothing from an extent of more than 1024
// references.) Results are cached per
// extent, least recently used first out, bounded by the references they
// hold, and belong to one commit: a bad block (freed and reused under a
// long send) re-reads the newest superblock and, if a newer commit is
// there, the walk starts again in it, so an answer never mixes commits.
#pragma once

#include "module/core/support/lru_cache.h"
#include "module/core/support/ref_ptr.h"
#include "module/core/support/span.h"
#include "module/core/tree/data_backrefs.h"
#include "module/core/tree/file_extent_refs.h"

namespace bsend::tree {

// The references of one data extent in the allowed roots, sorted by root,
// inode and file offset; each appears once.
class ExtentRefs : public RefCounted<ExtentRefs> {
public:
	u64 disk_bytenr = 0;
	u64 disk_num_bytes = 0;	// the extent's size on disk
	u64 generation = 0;	// the commit the answer was read from
	bool complete = true;	// false: the walk's bounds left some out
	Vec<ExtentRef> refs;
};

struct BackrefStats {
	u64 walks = 0;		// extents walked (cache misses)
	u64 cache_hits = 0;
	u64 backrefs = 0;	// extent tree backrefs read
	u64 shared_leaves = 0;	// shared data ref leaves read
	u64 lookups = 0;	// (inode, offset) searches in allowed roots
	u64 restarts = 0;	// walks started again in a newer commit
	u64 partial = 0;	// walks that stopped at a bound
};

// How far one walk goes.
struct WalkBounds {
	usize backrefs = 4096;	// extent tree backrefs read
	usize keys = 8192;	// (inode, backref offset) keys looked up
	usize refs = 16384;	// references held, after which no key is looked up
};

class BackrefWalker {
public:
	// Bounds the cache at cache_refs references in all (the newest answer
	// stays cached even when it alone holds more).
	static constexpr usize kDefaultCacheRefs = 1 << 16;

	// Resolves the allowed roots; -ENOENT names one that has no root item.
	static Result<UniquePtr<BackrefWalker>> create(Filesystem& fs, Span<const u64> allowed_roots,
						       usize cache_refs = kDefaultCacheRefs, WalkBounds bounds = {});

	// Not created yet: use create().
	BackrefWalker(Filesystem& fs, usize cache_refs, WalkBounds bounds)
		: fs_(fs), bounds_(bounds), cache_(~usize(0) >> 1), cache_budget_(cache_refs)
	{
	}

	// The references of the data extent that starts at disk_bytenr. ram_bytes
	// is the extent's decompressed size (btrfs_file_extent_item.ram_bytes
	// of any item pointing at it), which bounds the extent offsets; 0 when
	// unknown. -ENOENT when no data extent starts at disk_bytenr.
	Result<RefPtr<ExtentRefs>> find(u64 disk_bytenr, u64 ram_bytes = 0);

	const BackrefStats& stats() const { return stats_; }

private:
	// Walks once; false when the filesystem moved to a newer commit
	// during the walk.
	Result<bool> walk(u64 disk_bytenr, u64 ram_bytes, ExtentRefs* out);
	Result<void> refresh_roots();
	Result<void> remember(const RefPtr<ExtentRefs>& answer);

	Filesystem& fs_;
	const WalkBounds bounds_;
	Vec<u64> allowed_;
	Vec<TreeRoot> roots_;		// of allowed_, in the commit roots_generation_
	TreeRoot extent_root_;
	u64 roots_generation_ = 0;
	LruCache<u64, RefPtr<ExtentRefs>> cache_;
	usize cache_budget_;
	usize cached_refs_ = 0;
	BackrefStats stats_;
};

} // namespace bsend::tree
