// Generic netlink conversations with the bsend module (libnl-3): GET_INFO,
// LIST and CANCEL, and the events of the "progress" multicast group.
#ifndef SENDCTL_GENL_CLIENT_H
#define SENDCTL_GENL_CLIENT_H

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "ctl/module_info.h"
#include "ctl/result.h"
#include "ctl/send_status.h"

struct nl_sock;

namespace sendctl {

// Asks the module BSEND_CMD_GET_INFO. Fails with ENOENT and a message
// saying so when the "bsend" family does not exist (module not loaded).
Result<ModuleInfo> query_module_info();

// The sends in flight (BSEND_CMD_LIST).
Result<std::vector<SendStatus>> list_sends();

// Ends send id with ECANCELED (BSEND_CMD_CANCEL).
Status cancel_send(std::uint64_t id);

// A socket subscribed to the "progress" group: PROGRESS events (at most one
// per send every BSEND_PROGRESS_INTERVAL_MS) and FINISHED events.
class ProgressListener {
public:
	// Fails with ENOENT when the module is not loaded.
	static Result<std::unique_ptr<ProgressListener>> open();
	~ProgressListener();

	// Readable when events are queued (for poll()).
	int fd() const;

	// Passes every queued event, without waiting, to on_event: the
	// command (BSEND_CMD_PROGRESS or BSEND_CMD_FINISHED) and what it
	// says. Malformed events are skipped.
	Status drain(const std::function<void(std::uint8_t, const SendStatus &)> &on_event);

private:
	explicit ProgressListener(nl_sock *sock) : sock_(sock) {}
	nl_sock *sock_;
};

}  // namespace sendctl

#endif
