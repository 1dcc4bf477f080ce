// Quarry - SQLAlchemy for C++20. MIT License.
// A TCP proxy on loopback between a client and a server that cuts the
// connection at a chosen point: before a client message holding a marker
// reaches the server, after it reached the server but before the reply reaches
// the client, or after some bytes of the server's reply.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace quarry_test {

class tcp_proxy {
 public:
  enum class cut {
    none,
    before_marker,      // the client's message with the marker never reaches the server
    after_marker,       // the message reaches the server; its reply never reaches the client
    reply_after_bytes,  // the server's reply to the marked message is cut after `bytes`
  };

  tcp_proxy(const std::string& server_host, int server_port) : server_host_(server_host), server_port_(server_port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    int yes = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, 16) != 0)
      throw std::runtime_error("tcp_proxy: cannot listen on loopback");
    socklen_t size = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~tcp_proxy() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    acceptor_.join();
    for (auto& t : pumps_) t.join();
  }
  tcp_proxy(const tcp_proxy&) = delete;
  tcp_proxy& operator=(const tcp_proxy&) = delete;

  int port() const noexcept { return port_; }
  // The next client message holding `marker` sets off `mode` once.
  void arm(cut mode, std::string marker, std::size_t bytes = 0) {
    std::lock_guard lock(mutex_);
    mode_ = mode;
    marker_ = std::move(marker);
    bytes_ = bytes;
  }
  bool fired() const noexcept { return fired_; }

 private:
  void accept_loop() {
    while (!stopping_) {
      int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) return;
      int server = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(static_cast<std::uint16_t>(server_port_));
      ::inet_pton(AF_INET, server_host_.c_str(), &address.sin_addr);
      if (::connect(server, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(client);
        ::close(server);
        continue;
      }
      pumps_.emplace_back([this, client, server] { pump(client, server); });
    }
  }

  void pump(int client, int server) {
    bool withhold_reply = false;    // after_marker fired: drop what the server says, then hang up
    std::size_t reply_budget = 0;   // reply_after_bytes fired: bytes still to pass
    bool counting_reply = false;
    std::vector<char> buffer(65536);
    while (!stopping_) {
      pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
      if (::poll(fds, 2, 100) < 0) break;
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = ::read(client, buffer.data(), buffer.size());
        if (n <= 0) break;
        cut action = take_action(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
        if (action == cut::before_marker) break;
        if (::write(server, buffer.data(), static_cast<std::size_t>(n)) != n) break;
        if (action == cut::after_marker) withhold_reply = true;
        if (action == cut::reply_after_bytes) {
          counting_reply = true;
          std::lock_guard lock(mutex_);
          reply_budget = bytes_;
        }
      }
      if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = ::read(server, buffer.data(), buffer.size());
        if (n <= 0) break;
        if (withhold_reply) {
          // Give the server time to finish what it was asked, then hang up on the client.
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          break;
        }
        std::size_t pass = static_cast<std::size_t>(n);
        if (counting_reply && pass > reply_budget) pass = reply_budget;
        if (pass && ::write(client, buffer.data(), pass) != static_cast<ssize_t>(pass)) break;
        if (counting_reply) {
          reply_budget -= pass;
          if (reply_budget == 0) break;
        }
      }
    }
    ::close(client);
    ::close(server);
  }

  cut take_action(std::string_view data) {
    std::lock_guard lock(mutex_);
    if (mode_ == cut::none || data.find(marker_) == std::string_view::npos) return cut::none;
    cut action = mode_;
    mode_ = cut::none;
    fired_ = true;
    return action;
  }

  std::string server_host_;
  int server_port_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> fired_{false};
  std::thread acceptor_;
  std::vector<std::thread> pumps_;
  std::mutex mutex_;
  cut mode_ = cut::none;
  std::string marker_;
  std::size_t bytes_ = 0;
};

}  // namespace quarry_test
