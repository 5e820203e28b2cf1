// sendctl: the command-line tool of bsend. See cli.h.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "ctl/cli.h"
#include "ctl/exit_status.h"

int main(int argc, char **argv)
{
	try {
		return sendctl::run_sendctl(
			std::vector<std::string>(argv + 1, argv + argc),
			std::cout, std::cerr);
	} catch (const std::exception &e) {
		// Only allocation failure can get here: parse errors are values.
		std::cerr << "sendctl: " << e.what() << "\n";
		return sendctl::kExitFailure;
	}
}
