#include "ctl/subvolume_by_uuid.h"

#include <endian.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <functional>
#include <limits>

#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>

namespace sendctl {
namespace {

// Visits, in key order, the items of tree tree_id whose keys are
// (objectid, type, offset) with offset in [min_offset, max_offset]: data
// and len are the item's bytes. Returns 0 or the errno of TREE_SEARCH.
using ItemVisitor = std::function<void(std::uint64_t offset,
				       const std::uint8_t *data,
				       std::uint32_t len)>;

int search_items(int fd, std::uint64_t tree_id, std::uint64_t objectid,
		 std::uint8_t type, std::uint64_t min_offset,
		 std::uint64_t max_offset, const ItemVisitor &visit)
{
	btrfs_ioctl_search_args args = {};
	btrfs_ioctl_search_key &key = args.key;
	key.tree_id = tree_id;
	key.min_objectid = key.max_objectid = objectid;
	key.min_type = key.max_type = type;
	key.min_offset = min_offset;
	key.max_offset = max_offset;
	key.max_transid = std::numeric_limits<std::uint64_t>::max();

	while (true) {
		key.nr_items = std::numeric_limits<std::uint32_t>::max();
		if (::ioctl(fd, BTRFS_IOC_TREE_SEARCH, &args) < 0)
			return errno;
		if (key.nr_items == 0)
			return 0;
		std::size_t at = 0;
		std::uint64_t last_offset = 0;
		for (std::uint32_t i = 0; i < key.nr_items; i++) {
			btrfs_ioctl_search_header header;
			if (at + sizeof(header) > sizeof(args.buf))
				return EUCLEAN;
			std::memcpy(&header, args.buf + at, sizeof(header));
			at += sizeof(header);
			if (at + header.len > sizeof(args.buf))
				return EUCLEAN;
			if (header.objectid == objectid && header.type == type)
				visit(header.offset,
				      reinterpret_cast<const std::uint8_t *>(
					      args.buf + at),
				      header.len);
			at += header.len;
			last_offset = header.offset;
		}
		if (last_offset >= max_offset)
			return 0;
		key.min_offset = last_offset + 1;
	}
}

std::uint64_t le64_at(const std::uint8_t *data, std::size_t offset)
{
	std::uint64_t value;
	std::memcpy(&value, data + offset, sizeof(value));
	return le64toh(value);
}

// The uuids and ctransid of a root item. An item written by a kernel that
// predates them (shorter, or with generation_v2 not equal to generation)
// has none: they stay zero, as btrfs-progs reads them.
void read_root_item(const std::uint8_t *data, std::uint32_t len,
		    SubvolumeIdentity *identity)
{
	if (len < sizeof(btrfs_root_item) ||
	    le64_at(data, offsetof(btrfs_root_item, generation)) !=
		    le64_at(data, offsetof(btrfs_root_item, generation_v2)))
		return;
	std::memcpy(identity->uuid.data(),
		    data + offsetof(btrfs_root_item, uuid),
		    identity->uuid.size());
	std::memcpy(identity->parent_uuid.data(),
		    data + offsetof(btrfs_root_item, parent_uuid),
		    identity->parent_uuid.size());
	identity->ctransid =
		le64_at(data, offsetof(btrfs_root_item, ctransid));
}

Error search_error(int errnum, const std::string &what)
{
	std::string message = "cannot search the " + what + ": " +
			      std::strerror(errnum);
	if (errnum == EPERM)
		message += " (looking a subvolume up by uuid needs"
			   " CAP_SYS_ADMIN)";
	return Error{errnum, message};
}

}  // namespace

Result<SubvolumeIdentity> find_subvolume_by_uuid(int fs_fd, const Uuid &uuid)
{
	// The uuid tree's key: the uuid's two halves, little-endian.
	const std::uint64_t high = le64_at(uuid.data(), 0);
	const std::uint64_t low = le64_at(uuid.data(), 8);
	const std::string text = uuid_text(uuid);

	bool found = false;
	SubvolumeIdentity identity;
	int errnum = search_items(
		fs_fd, BTRFS_UUID_TREE_OBJECTID, high, BTRFS_UUID_KEY_SUBVOL,
		low, low,
		[&](std::uint64_t, const std::uint8_t *data, std::uint32_t len) {
			// The item lists subvolume ids; the first is the one.
			if (found || len < sizeof(std::uint64_t) ||
			    len % sizeof(std::uint64_t))
				return;
			identity.root_id = le64_at(data, 0);
			found = true;
		});
	if (errnum)
		return search_error(errnum, "uuid tree for " + text);
	if (!found)
		return Error{ENOENT, "no subvolume has the uuid " + text};

	// Snapshots being deleted can leave several ROOT_ITEMs: the last
	// one is current.
	found = false;
	errnum = search_items(
		fs_fd, BTRFS_ROOT_TREE_OBJECTID, identity.root_id,
		BTRFS_ROOT_ITEM_KEY, 0, std::numeric_limits<std::uint64_t>::max(),
		[&](std::uint64_t, const std::uint8_t *data, std::uint32_t len) {
			identity.uuid = Uuid{};
			identity.parent_uuid = Uuid{};
			identity.ctransid = 0;
			read_root_item(data, len, &identity);
			found = true;
		});
	if (errnum)
		return search_error(errnum, "root tree for subvolume " +
						    std::to_string(identity.root_id));
	if (!found)
		return Error{ENOENT, "no subvolume has the uuid " + text +
					     " (the uuid tree names subvolume " +
					     std::to_string(identity.root_id) +
					     ", which has no root item)"};
	return identity;
}

}  // namespace sendctl
