#include "ctl/parent_choice.h"

namespace sendctl {
namespace {

std::uint64_t distance(std::uint64_t a, std::uint64_t b)
{
	return a > b ? a - b : b - a;
}

}  // namespace

std::optional<std::size_t> find_by_uuid(
	const std::vector<SubvolumeIdentity> &subvolumes, const Uuid &uuid)
{
	for (std::size_t i = 0; i < subvolumes.size(); i++)
		if (subvolumes[i].uuid == uuid)
			return i;
	return std::nullopt;
}

std::optional<std::size_t> choose_parent(
	const Uuid &origin_uuid, std::uint64_t origin_ctransid,
	const std::vector<SubvolumeIdentity> &clone_sources)
{
	if (is_nil_uuid(origin_uuid))
		return std::nullopt;
	if (auto origin = find_by_uuid(clone_sources, origin_uuid))
		return origin;

	std::optional<std::size_t> closest;
	std::uint64_t closest_distance = 0;
	for (std::size_t i = 0; i < clone_sources.size(); i++) {
		if (clone_sources[i].parent_uuid != origin_uuid)
			continue;
		std::uint64_t d = distance(clone_sources[i].ctransid,
					   origin_ctransid);
		if (!closest || d < closest_distance) {
			closest = i;
			closest_distance = d;
		}
	}
	return closest;
}

}  // namespace sendctl
