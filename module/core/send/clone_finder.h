// Where the bytes of a file extent can be cloned from instead of written:
// the backref walk (tree/backref.h) lists the file extent items of the
// allowed roots (the send root, the parent, the -c sources) that map the
// same disk extent, and the rules of the in-kernel send pick one:
//
//   - from the send root, only from data the receiver has already: an
//     inode sent before, or the same inode below the range (the sender
//     says which, through SentInodes);
//   - an item that maps the first bytes wanted, inside the source's size,
//     is cloned as far as it maps them; the bytes up to the next item
//     that maps some are written (the in-kernel send's clone_range walks
//     the source's items the same way);
//   - prefer the same inode, then the parent, then the others;
//   - never a single block at file offset 0 (the receiver may have
//     inlined it), never an unaligned end except at both files' EOF, and
//     an unaligned source EOF block in the middle of the destination is
//     written, not cloned (64 KiB, the largest sector size a receiver may
//     have).
//
// When in doubt, nothing is chosen and the caller writes.
#pragma once

#include "module/core/format/items.h"
#include "module/core/send/inode_info.h"
#include "module/core/send/text.h"
#include "module/core/support/unique_ptr.h"
#include "module/core/tree/backref.h"
#include "module/core/tree/subvolume.h"

namespace bsend::send {

// What a sender knows of the receiver's copy of the send root.
class SentInodes {
public:
	// Whether inode ino of the send root holds, in the receiver, the
	// data the send root has (sent already, or never changed).
	virtual Result<bool> has_sent(u64 ino) = 0;
	// Its path in the receiver now.
	virtual Result<void> current_path(u64 ino, Text* path) = 0;

protected:
	~SentInodes() = default;
};

// A clone source as the stream names it.
struct CloneRoot {
	u64 id = 0;
	u8 uuid[BTRFS_UUID_SIZE] = {};	// received_uuid when set, else uuid
	u64 ctransid = 0;
	tree::TreeRoot tree;
};

// One CLONE: length bytes at offset of inode ino of root.
struct CloneChoice {
	const CloneRoot* root = nullptr;
	u64 ino = 0;
	u64 offset = 0;
	u64 length = 0;
	// The clone's end is unaligned, at the EOF of both files: the
	// receiver's file, longer than the clone's start, is cut there first,
	// since the clone ioctl takes an unaligned end only at the
	// destination's EOF (as the in-kernel send's TRUNCATE before it).
	bool truncate_first = false;
};

class CloneFinder {
public:
	// Clones may come from the send root, the parent (0: none) and the
	// clone sources; each must be a subvolume.
	static Result<UniquePtr<CloneFinder>> create(tree::Filesystem& fs, u64 sent_id, u64 parent_id,
						     Span<const u64> clone_sources);

	// A source for the bytes from start on of [start, end) of inode info,
	// which the item at file offset item_offset maps (a regular extent
	// with data); the receiver's copy of the inode is receiver_size bytes
	// long now. The choice may cover less than [start, end): the caller
	// asks again for the rest. False when no source has the bytes at
	// start; then *write_end is where one may have them again (end when
	// none does): the bytes before it are to be written.
	Result<bool> choose(const InodeInfo& info, u64 item_offset, const format::FileExtentItemView& item, u64 start,
			    u64 end, u64 receiver_size, SentInodes& sent, CloneChoice* choice, u64* write_end);

	// The path of the chosen inode in its root, as the receiver names it.
	Result<void> source_path(const CloneChoice& choice, SentInodes& sent, Text* path);

	explicit CloneFinder(tree::Filesystem& fs) : fs_(fs) {}

private:
	// A usable source of the first bytes wanted: the item, and the
	// source offset and length of what it maps of them.
	struct Candidate {
		const tree::ExtentRef* ref = nullptr;
		u64 offset = 0;
		u64 length = 0;
	};
	// The preferred usable item for the bytes [wanted_start, wanted_end)
	// of the extent (start: the file offset of wanted_start), leaving out
	// the excluded ones; false when none maps the first byte, and then
	// *next_wanted is where one maps a later one (wanted_end if none).
	Result<bool> best_candidate(const InodeInfo& info, const tree::ExtentRefs& refs, u64 start, u64 wanted_start,
				    u64 wanted_end, SentInodes& sent, Span<const tree::ExtentRef* const> excluded,
				    Candidate* best, u64* next_wanted);
	// Whether the source item is a written (not preallocated) extent item
	// of that disk extent.
	Result<bool> maps_written_data(const tree::ExtentRef& ref, u64 disk_bytenr);
	// How much a candidate is preferred; lower is better.
	u32 rank(const tree::ExtentRef& ref, u64 ino) const;

	const CloneRoot* root_of(u64 id) const;

	tree::Filesystem& fs_;
	UniquePtr<tree::BackrefWalker> walker_;
	Vec<CloneRoot> roots_;		// [0]: the send root, [1]: the parent if any
	u64 parent_id_ = 0;
};

} // namespace bsend::send
