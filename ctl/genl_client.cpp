#include "ctl/genl_client.h"

#include "ctl/bsend_device.h"

#include <functional>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include <sys/socket.h>
#include <sys/time.h>

#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/socket.h>

#include "uapi/bsend.h"

namespace sendctl {
namespace {

struct SocketFree {
	void operator()(nl_sock *sock) const { nl_socket_free(sock); }
};
struct MessageFree {
	void operator()(nl_msg *msg) const { nlmsg_free(msg); }
};
struct CallbacksPut {
	void operator()(nl_cb *cb) const { nl_cb_put(cb); }
};
using Socket = std::unique_ptr<nl_sock, SocketFree>;
using Message = std::unique_ptr<nl_msg, MessageFree>;
using Callbacks = std::unique_ptr<nl_cb, CallbacksPut>;

// How long to wait for the module's answer before giving up.
constexpr time_t kReplyTimeoutSeconds = 10;

// How one exchange went: every reply parsed by the caller's function, and
// whether it is over (ACK, end of a dump, or an error from the kernel).
struct Exchange {
	std::function<void(nlmsghdr *)> on_reply;
	int kernel_errno = 0;
	bool done = false;
};

int on_valid(nl_msg *msg, void *arg)
{
	static_cast<Exchange *>(arg)->on_reply(nlmsg_hdr(msg));
	return NL_OK;
}

int on_done(nl_msg *, void *arg)
{
	static_cast<Exchange *>(arg)->done = true;
	return NL_STOP;
}

int on_error(sockaddr_nl *, nlmsgerr *err, void *arg)
{
	auto *exchange = static_cast<Exchange *>(arg);
	exchange->kernel_errno = -err->error;
	exchange->done = true;
	return NL_STOP;
}

Error netlink_error(const std::string &what, int nl_err)
{
	return Error{EPROTO, what + ": " + nl_geterror(nl_err)};
}

// Sends the module one request and feeds every reply to on_reply. A dump
// ends with NLMSG_DONE, anything else with the ACK that nl_send_auto asks
// for. add_attributes may put attributes into the request.
Status exchange(std::uint8_t command, bool dump, const char *name,
		const std::function<bool(nl_msg *)> &add_attributes,
		const std::function<void(nlmsghdr *)> &on_reply)
{
	Socket sock(nl_socket_alloc());
	Callbacks callbacks(nl_cb_alloc(NL_CB_DEFAULT));
	Message request(nlmsg_alloc());
	if (!sock || !callbacks || !request)
		return Error{ENOMEM, "cannot allocate a netlink socket"};

	int err = genl_connect(sock.get());
	if (err < 0)
		return netlink_error("cannot open a generic netlink socket", err);
	timeval timeout = {kReplyTimeoutSeconds, 0};
	setsockopt(nl_socket_get_fd(sock.get()), SOL_SOCKET, SO_RCVTIMEO,
		   &timeout, sizeof(timeout));

	int family = genl_ctrl_resolve(sock.get(), BSEND_GENL_NAME);
	if (family == -NLE_OBJ_NOTFOUND)
		return Error{ENOENT,
			     "the bsend module is not loaded (generic netlink"
			     " family \"" BSEND_GENL_NAME "\" not found): "
			     SENDCTL_LOAD_MODULE_HINT};
	if (family < 0)
		return netlink_error("cannot resolve the generic netlink family"
				     " \"" BSEND_GENL_NAME "\"", family);

	if (!genlmsg_put(request.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
			 NLM_F_REQUEST | (dump ? NLM_F_DUMP : 0), command,
			 BSEND_GENL_VERSION) ||
	    !add_attributes(request.get()))
		return Error{ENOMEM, std::string("cannot build the ") + name + " request"};

	Exchange exchange;
	exchange.on_reply = on_reply;
	nl_cb_set(callbacks.get(), NL_CB_VALID, NL_CB_CUSTOM, on_valid,
		  &exchange);
	nl_cb_set(callbacks.get(), NL_CB_ACK, NL_CB_CUSTOM, on_done, &exchange);
	nl_cb_set(callbacks.get(), NL_CB_FINISH, NL_CB_CUSTOM, on_done, &exchange);
	nl_cb_err(callbacks.get(), NL_CB_CUSTOM, on_error, &exchange);

	err = nl_send_auto(sock.get(), request.get());
	if (err < 0)
		return netlink_error(std::string("cannot send ") + name + " to the bsend module", err);
	while (!exchange.done) {
		err = nl_recvmsgs(sock.get(), callbacks.get());
		if (err < 0 && !exchange.done)
			return netlink_error(std::string("no ") + name + " reply from the bsend module", err);
	}
	if (exchange.kernel_errno)
		return Error{exchange.kernel_errno,
			     std::string("the bsend module failed ") + name + ": " +
				     strerror(exchange.kernel_errno)};
	return success();
}

bool no_attributes(nl_msg *) { return true; }

}  // namespace

Result<ModuleInfo> query_module_info()
{
	std::optional<Result<ModuleInfo>> reply;
	Status status = exchange(BSEND_CMD_GET_INFO, false, "GET_INFO", no_attributes,
				 [&reply](nlmsghdr *message) { reply = parse_module_info(message); });
	if (!status.ok())
		return status.error();
	if (!reply)
		return Error{EPROTO, "the bsend module acknowledged GET_INFO"
				     " without a reply"};
	return *reply;
}

Result<std::vector<SendStatus>> list_sends()
{
	std::vector<SendStatus> sends;
	std::optional<Error> malformed;
	Status status = exchange(BSEND_CMD_LIST, true, "LIST", no_attributes, [&](nlmsghdr *message) {
		auto send = parse_send_status(message);
		if (send.ok())
			sends.push_back(send.value());
		else if (!malformed)
			malformed = send.error();
	});
	if (!status.ok())
		return status.error();
	if (malformed)
		return *malformed;
	return sends;
}

Result<std::unique_ptr<ProgressListener>> ProgressListener::open()
{
	Socket sock(nl_socket_alloc());
	if (!sock)
		return Error{ENOMEM, "cannot allocate a netlink socket"};
	int err = genl_connect(sock.get());
	if (err < 0)
		return netlink_error("cannot open a generic netlink socket", err);
	int group = genl_ctrl_resolve_grp(sock.get(), BSEND_GENL_NAME, BSEND_GENL_MCGRP_PROGRESS);
	if (group == -NLE_OBJ_NOTFOUND)
		return Error{ENOENT, "the bsend module is not loaded (no generic netlink group \""
				     BSEND_GENL_NAME "/" BSEND_GENL_MCGRP_PROGRESS "\")"};
	if (group < 0)
		return netlink_error("cannot resolve the bsend progress group", group);
	err = nl_socket_add_membership(sock.get(), group);
	if (err < 0)
		return netlink_error("cannot join the bsend progress group", err);
	err = nl_socket_set_nonblocking(sock.get());
	if (err < 0)
		return netlink_error("cannot make the progress socket non-blocking", err);
	return std::unique_ptr<ProgressListener>(new ProgressListener(sock.release()));
}

ProgressListener::~ProgressListener()
{
	nl_socket_free(sock_);
}

int ProgressListener::fd() const
{
	return nl_socket_get_fd(sock_);
}

namespace {

struct EventSink {
	const std::function<void(std::uint8_t, const SendStatus &)> *on_event;
};

int on_event_message(nl_msg *msg, void *arg)
{
	nlmsghdr *header = nlmsg_hdr(msg);
	if (!genlmsg_valid_hdr(header, 0))
		return NL_SKIP;
	auto *generic = static_cast<genlmsghdr *>(nlmsg_data(header));
	if (generic->cmd != BSEND_CMD_PROGRESS && generic->cmd != BSEND_CMD_FINISHED)
		return NL_SKIP;
	auto event = parse_send_status(header);
	if (event.ok())
		(*static_cast<EventSink *>(arg)->on_event)(generic->cmd, event.value());
	return NL_OK;
}

int accept_any_sequence(nl_msg *, void *)
{
	return NL_OK;
}

}  // namespace

Status ProgressListener::drain(const std::function<void(std::uint8_t, const SendStatus &)> &on_event)
{
	Callbacks callbacks(nl_cb_alloc(NL_CB_DEFAULT));
	if (!callbacks)
		return Error{ENOMEM, "cannot allocate netlink callbacks"};
	EventSink sink{&on_event};
	nl_cb_set(callbacks.get(), NL_CB_VALID, NL_CB_CUSTOM, on_event_message, &sink);
	// Events carry sequence number 0: no request to match them against.
	nl_cb_set(callbacks.get(), NL_CB_SEQ_CHECK, NL_CB_CUSTOM, accept_any_sequence, nullptr);
	while (true) {
		int received = nl_recvmsgs_report(sock_, callbacks.get());
		if (received == 0 || received == -NLE_AGAIN)
			return success();
		// The socket overran (ENOBUFS): events were lost, the
		// next ones still count.
		if (received == -NLE_NOMEM)
			continue;
		if (received < 0)
			return netlink_error("cannot read progress events", received);
	}
}

Status cancel_send(std::uint64_t id)
{
	return exchange(
		BSEND_CMD_CANCEL, false, "CANCEL",
		[id](nl_msg *request) { return nla_put_u64(request, BSEND_ATTR_SEND_ID, id) == 0; },
		[](nlmsghdr *) {});
}

}  // namespace sendctl
