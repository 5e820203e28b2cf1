#include "ctl/send_plan.h"

#include <cerrno>

#include "ctl/parent_choice.h"

namespace sendctl {
namespace {

std::vector<std::uint64_t> root_ids(const std::vector<SubvolumeIdentity> &subvolumes)
{
	std::vector<std::uint64_t> ids;
	for (const SubvolumeIdentity &subvolume : subvolumes)
		ids.push_back(subvolume.root_id);
	return ids;
}

Error no_parent(const NamedSubvolume &subvol, const std::string &cause)
{
	return Error{ENOENT, "cannot choose a parent for " + subvol.path +
				     " among the clone sources: " + cause +
				     "; give -p PARENT"};
}

// The parent btrfs send picks for subvol among candidates (-c without -p).
Result<std::size_t> pick_parent(const NamedSubvolume &subvol,
				const std::vector<SubvolumeIdentity> &candidates,
				const UuidLookup &look_up_uuid)
{
	const Uuid &origin_uuid = subvol.identity.parent_uuid;
	if (is_nil_uuid(origin_uuid))
		return no_parent(subvol, "it is not a snapshot (its parent_uuid"
					 " is nil)");

	// The origin's ctransid: from the clone sources when it is one,
	// otherwise from the filesystem.
	std::uint64_t origin_ctransid = 0;
	if (auto origin = find_by_uuid(candidates, origin_uuid)) {
		origin_ctransid = candidates[*origin].ctransid;
	} else {
		auto found = look_up_uuid(origin_uuid);
		if (!found.ok()) {
			if (found.error().errnum == ENOENT)
				return no_parent(subvol,
						 "the subvolume it is a snapshot"
						 " of (uuid " +
							 uuid_text(origin_uuid) +
							 ") no longer exists");
			return Error{found.error().errnum,
				     "cannot choose a parent for " + subvol.path +
					     ": " + found.error().message};
		}
		origin_ctransid = found.value().ctransid;
	}

	auto chosen = choose_parent(origin_uuid, origin_ctransid, candidates);
	if (!chosen)
		return no_parent(subvol,
				 "none is the subvolume it is a snapshot of"
				 " (uuid " + uuid_text(origin_uuid) +
					 ") or another snapshot of that one");
	return *chosen;
}

}  // namespace

Result<std::vector<PlannedSend>> plan_sends(
	const std::vector<NamedSubvolume> &subvols,
	const std::vector<NamedSubvolume> &clone_sources,
	const NamedSubvolume *parent, const UuidLookup &look_up_uuid,
	std::vector<PlannedSend> *before_failure)
{
	std::vector<SubvolumeIdentity> candidates;
	for (const NamedSubvolume &source : clone_sources)
		candidates.push_back(source.identity);

	std::vector<PlannedSend> plan;
	if (parent || candidates.empty()) {
		PlannedSend send;
		send.clone_roots = root_ids(candidates);
		if (parent) {
			send.parent_root = parent->identity.root_id;
			send.clone_roots.push_back(send.parent_root);
		}
		plan.assign(subvols.size(), send);
		return plan;
	}

	for (const NamedSubvolume &subvol : subvols) {
		auto chosen = pick_parent(subvol, candidates, look_up_uuid);
		if (!chosen.ok()) {
			if (before_failure)
				*before_failure = plan;
			return chosen.error();
		}
		PlannedSend send;
		send.parent_root = candidates[chosen.value()].root_id;
		send.clone_roots = root_ids(candidates);
		plan.push_back(send);
		candidates.push_back(subvol.identity);
	}
	return plan;
}

}  // namespace sendctl
