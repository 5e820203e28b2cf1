#include "tests/unit/test_image.h"

#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>

namespace bsend::test {

std::string run_command(const std::string& command)
{
	std::string output;
	FILE* pipe = popen(command.c_str(), "r");
	if (!pipe)
		throw std::runtime_error("cannot run " + command);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0)
		output.append(buf, n);
	if (pclose(pipe) != 0)
		throw std::runtime_error("command failed: " + command + "\n" + output);
	return output;
}

TestImage::TestImage(const ImageOptions& options)
{
	char name[] = "/tmp/bsend-test-image-XXXXXX";
	int fd = mkstemp(name);
	if (fd < 0)
		throw std::runtime_error("mkstemp failed");
	if (ftruncate(fd, static_cast<off_t>(options.size)) != 0) {
		close(fd);
		throw std::runtime_error("ftruncate failed");
	}
	close(fd);
	path_ = name;
	std::string command = "mkfs.btrfs -f -q --csum " + options.csum + " --nodesize " +
			      std::to_string(options.nodesize);
	if (options.mixed)
		command += " --mixed --sectorsize " + std::to_string(options.nodesize);
	if (!options.rootdir.empty())
		command += " --rootdir " + options.rootdir;
	if (!options.metadata.empty())
		command += " -m " + options.metadata;
	if (!options.extra.empty())
		command += " " + options.extra;
	run_command(command + " " + path_ + " 2>&1");
}

TestImage::~TestImage() { unlink(path_.c_str()); }

std::vector<uint8_t> TestImage::read(uint64_t offset, size_t length) const
{
	std::vector<uint8_t> bytes(length);
	int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		throw std::runtime_error("cannot open " + path_);
	ssize_t n = pread(fd, bytes.data(), length, static_cast<off_t>(offset));
	close(fd);
	if (n != static_cast<ssize_t>(length))
		throw std::runtime_error("short read of " + path_);
	return bytes;
}

void TestImage::write(uint64_t offset, const std::vector<uint8_t>& bytes) const
{
	int fd = open(path_.c_str(), O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		throw std::runtime_error("cannot open " + path_);
	ssize_t n = pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset));
	close(fd);
	if (n != static_cast<ssize_t>(bytes.size()))
		throw std::runtime_error("short write to " + path_);
}

std::string TestImage::dump_super_field(const std::string& field) const
{
	std::string dump = run_command("btrfs inspect-internal dump-super " + path_);
	size_t at = 0;
	while (at < dump.size()) {
		size_t end = dump.find('\n', at);
		if (end == std::string::npos)
			end = dump.size();
		std::string line = dump.substr(at, end - at);
		if (line.compare(0, field.size(), field) == 0 && line.size() > field.size() &&
		    (line[field.size()] == ' ' || line[field.size()] == '\t')) {
			size_t value = line.find_first_not_of(" \t", field.size());
			return value == std::string::npos ? "" : line.substr(value);
		}
		at = end + 1;
	}
	throw std::runtime_error("dump-super has no field " + field);
}

std::vector<uint8_t> parse_uuid(const std::string& text)
{
	std::vector<uint8_t> bytes;
	for (size_t i = 0; i + 1 < text.size() && bytes.size() < 16; i++) {
		if (text[i] == '-')
			continue;
		bytes.push_back(static_cast<uint8_t>(std::stoi(text.substr(i, 2), nullptr, 16)));
		i++;
	}
	if (bytes.size() != 16)
		throw std::runtime_error("not a uuid: " + text);
	return bytes;
}

} // namespace bsend::test
