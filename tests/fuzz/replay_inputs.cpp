// Runs a fuzz target over saved inputs (files, or every file of a
// directory) without libFuzzer: the regression test of the normal build.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void replay(const std::filesystem::path& file)
{
	std::ifstream in(file, std::ios::binary);
	std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
}

} // namespace

int main(int argc, char** argv)
{
	int inputs = 0;
	for (int i = 1; i < argc; i++) {
		std::filesystem::path arg(argv[i]);
		if (std::filesystem::is_directory(arg)) {
			for (const auto& entry : std::filesystem::directory_iterator(arg))
				if (entry.is_regular_file() && entry.path().filename() != "README.md") {
					replay(entry.path());
					inputs++;
				}
		} else {
			replay(arg);
			inputs++;
		}
	}
	std::printf("replayed %d inputs without a failure\n", inputs);
	return inputs > 0 ? 0 : 1;
}
