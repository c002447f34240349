#include "server/http/server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <limits>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/http/beast_head.h"
#include "server/http/head.h"
#include "server/http/json_text.h"
#include "server/http/limits.h"
#include "server/http/tls.h"

namespace aidledger::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

// After refusing a request, the server reads and drops at most this much of
// what the client still sends, for at most this long, before it closes: a
// client that writes its whole body before it reads (most do) then sees the
// refusal instead of a reset. The bytes go through one fixed 16 KiB buffer,
// so lingering costs time on the wire, never memory.
constexpr size_t kLingerBytesMax = 2 * limits::kBodyBytesMax;
constexpr std::chrono::seconds kLingerTimeout{2};
// After a failed accept (out of file descriptors, say), wait this long
// before accepting again instead of spinning.
constexpr std::chrono::milliseconds kAcceptRetryAfter{50};

bool IsParseError(const beast::error_code& error) {
  return &error.category() == &bhttp::make_error_code(bhttp::error::bad_method).category();
}

}  // namespace

// What the server needs of a connection of either kind (plain or TLS).
class Connection {
 public:
  virtual ~Connection() = default;
  // The server stops: a connection waiting for a request closes; one with a
  // request under way answers it and then closes.
  virtual void OnStop() = 0;
  virtual net::any_io_executor executor() = 0;
};

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

class Server::Impl {
 public:
  Impl() : workers_(limits::kHandlerThreads) {}
  ~Impl() {
    // Handler tasks hold connections, whose sockets belong to io_.
    workers_.join();
  }

  absl::StatusOr<int> Listen(const std::string& host, int port, Handler* handler);
  void Run();
  void Stop();
  absl::Status UseTls(const TlsFiles& files);
  absl::Status ReloadTls();

  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  net::thread_pool& workers() { return workers_; }
  // Counts a connection in; false when kConnectionsMax are open already.
  bool Register(const std::shared_ptr<Connection>& connection, uint64_t* id);
  void Unregister(uint64_t id);

 private:
  struct Listener {
    Listener(net::io_context& io, Handler* handler, bool tls)
        : acceptor(net::make_strand(io)), retry(acceptor.get_executor()), handler(handler), tls(tls) {}
    tcp::acceptor acceptor;
    net::steady_timer retry;
    Handler* handler;
    bool tls;
  };
  std::shared_ptr<net::ssl::context> TlsContext() {
    std::lock_guard<std::mutex> lock(tls_mutex_);
    return tls_context_;
  }
  void Accept(Listener* listener);

  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable changed_;  // a stop was asked for, or a connection closed
  bool stop_asked_ = false;                                      // guarded by mutex_
  std::map<uint64_t, std::weak_ptr<Connection>> connections_;  // guarded by mutex_
  uint64_t next_id_ = 1;                                         // guarded by mutex_
  std::mutex tls_mutex_;
  std::optional<TlsFiles> tls_files_;                 // guarded by tls_mutex_
  std::shared_ptr<net::ssl::context> tls_context_;    // guarded by tls_mutex_; new connections use it
  net::thread_pool workers_;
  // Destroyed before the pool (declared after it): its pending handlers own
  // connections. The listeners go first of all.
  net::io_context io_;
  std::vector<std::unique_ptr<Listener>> listeners_;
};

// One client connection over `Stream` (PlainStream or TlsStream). Every
// member is touched only on the connection's strand, but request_ while a
// handler thread runs Handle (the strand then leaves it alone: phase_ is
// kHandling).
template <typename Stream>
class StreamConnection : public Connection,
                         public std::enable_shared_from_this<StreamConnection<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  // `tls`: the context a TLS connection handshakes with (null for plain).
  StreamConnection(Server::Impl* server, Handler* handler, tcp::socket socket,
                   std::shared_ptr<net::ssl::context> tls)
      : server_(server), handler_(handler), tls_(std::move(tls)),
        stream_(MakeStream(std::move(socket), tls_.get())), buffer_(limits::kReadBufferBytesMax) {}
  ~StreamConnection() override {
    if (id_ != 0) server_->Unregister(id_);
  }

  void Start() {
    if (!server_->Register(this->shared_from_this(), &id_) || server_->stopping()) return Close();
    if constexpr (kTls) {
      phase_ = Phase::kHandshake;
      Lowest().expires_after(limits::kHandshakeTimeout);
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code error) {
                                self->OnHandshake(error);
                              });
    } else {
      ReadHead();
    }
  }

  void OnStop() override {
    if (phase_ == Phase::kHead || phase_ == Phase::kHandshake) Close();
  }

  net::any_io_executor executor() override { return stream_.get_executor(); }

 private:
  enum class Phase { kHandshake, kHead, kBody, kHandling, kWriting, kClosed };

  static Stream MakeStream(tcp::socket socket, net::ssl::context* tls) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *tls);
    } else {
      return Stream(std::move(socket));
    }
  }
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  void OnHandshake(beast::error_code error) {
    // A failed handshake (plain HTTP, an old protocol, no or a foreign
    // client certificate) gets no response: there is no channel to send one.
    if (error) return CloseSocket();
    if constexpr (kTls) client_name_ = VerifiedPeerCommonName(stream_.native_handle());
    handshaken_ = true;
    ReadHead();
  }

  void ReadHead() {
    phase_ = Phase::kHead;
    request_ = Request();
    head_parser_.emplace();
    head_parser_->header_limit(limits::kHeadBytesMax);
    // The body limit is set once the head is admitted (below): the parser
    // would otherwise refuse a large Content-Length before authentication.
    head_parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    Lowest().expires_after(limits::kHeadTimeout);
    bhttp::async_read_header(stream_, buffer_, *head_parser_,
                             beast::bind_front_handler(&StreamConnection::OnHead, this->shared_from_this()));
  }

  void OnHead(beast::error_code error, size_t) {
    if (error == bhttp::error::header_limit || error == bhttp::error::buffer_overflow) {
      return Refuse(431, absl::StrCat("the request head exceeds ", limits::kHeadBytesMax, " bytes"));
    }
    if (error && IsParseError(error) && error != bhttp::error::end_of_stream) {
      return Refuse(400, absl::StrCat("malformed request: ", error.message()));
    }
    if (error) return Close();  // end of stream, timeout, reset: nothing to answer
    std::variant<Request, HeadError> checked = CheckHead(RawHeadOf(head_parser_->get()));
    if (auto* refusal = std::get_if<HeadError>(&checked)) {
      return Refuse(refusal->status, std::move(refusal->message));
    }
    request_ = std::get<Request>(std::move(checked));
    request_.secure = kTls;
    request_.client_name = client_name_;
    keep_alive_ = head_parser_->keep_alive();
    if (std::optional<Response> refusal = handler_->Admit(request_)) {
      // A body announced but refused is never read: answer, then close.
      const bool body_unread = request_.has_body;
      return Write(*std::move(refusal), body_unread || !keep_alive_, body_unread);
    }
    if (!request_.has_body) return Dispatch();
    if (head_parser_->content_length().value_or(0) > limits::kBodyBytesMax) return RefuseBody();
    const bool expects_continue = absl::EqualsIgnoreCase(
        request_.Header("expect").value_or(""), "100-continue");
    phase_ = Phase::kBody;
    body_parser_.emplace(std::move(*head_parser_));
    body_parser_->body_limit(limits::kBodyBytesMax);
    head_parser_.reset();
    if (!expects_continue) return ReadBody();
    static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
    Lowest().expires_after(limits::kWriteTimeout);
    net::async_write(stream_, net::buffer(kContinue, sizeof(kContinue) - 1),
                     [self = this->shared_from_this()](beast::error_code error, size_t) {
                       if (error) return self->Close();
                       self->ReadBody();
                     });
  }

  void ReadBody() {
    Lowest().expires_after(limits::kBodyTimeout);
    bhttp::async_read(stream_, buffer_, *body_parser_,
                      beast::bind_front_handler(&StreamConnection::OnBody, this->shared_from_this()));
  }

  void OnBody(beast::error_code error, size_t) {
    if (error == bhttp::error::body_limit || error == bhttp::error::buffer_overflow) return RefuseBody();
    if (error && IsParseError(error) && error != bhttp::error::end_of_stream &&
        error != bhttp::error::partial_message) {
      return Refuse(400, absl::StrCat("malformed request body: ", error.message()));
    }
    if (error) return Close();
    request_.body = body_parser_->release().body();
    body_parser_.reset();
    Dispatch();
  }

  // Runs the handler (on a handler thread unless it never blocks) and
  // writes its response here.
  void Dispatch() {
    phase_ = Phase::kHandling;
    Lowest().expires_never();  // the handler bounds its own time
    if (std::optional<Response> answered = handler_->Answer(request_)) {
      return Write(*std::move(answered), !keep_alive_);
    }
    net::post(server_->workers(), [self = this->shared_from_this()] {
      Response response = self->HandleGuarded();
      net::post(self->executor(), [self, response = std::move(response)]() mutable {
        self->Write(std::move(response), !self->keep_alive_);
      });
    });
  }
  Response HandleGuarded() {
    try {
      return handler_->Handle(request_);
    } catch (const std::exception& exception) {
      return MakeResponse(500, ErrorJson(absl::StrCat("internal error: ", exception.what())));
    }
  }

  void Refuse(int status, std::string message) {
    Write(MakeResponse(status, ErrorJson(message)), /*close=*/true, /*linger=*/true);
  }
  void RefuseBody() {
    Refuse(413, absl::StrCat("a request body holds at most ", limits::kBodyBytesMax, " bytes"));
  }

  // Writes `response`, then closes the connection when `close` (lingering
  // first when `linger`: the client may still be sending), else waits for
  // the next request.
  void Write(Response response, bool close, bool linger = false) {
    phase_ = Phase::kWriting;
    ++requests_;
    close_after_write_ = close || server_->stopping() || requests_ >= limits::kKeepAliveRequestsMax;
    linger_ = linger;
    if (response.stream != nullptr) return WriteStreamed(std::move(response));
    body_ = std::move(response.body);
    auto& out = response_.emplace();
    SetHead(response, body_ != nullptr && !body_->empty(), out);
    if (body_ != nullptr) out.body() = bhttp::span_body<const char>::value_type(body_->data(), body_->size());
    out.prepare_payload();
    Lowest().expires_after(limits::kWriteTimeout);
    bhttp::async_write(stream_, out,
                       beast::bind_front_handler(&StreamConnection::OnWritten, this->shared_from_this()));
  }
  template <typename Message>
  void SetHead(const Response& response, bool has_body, Message& out) {
    out.version(11);
    out.result(static_cast<unsigned>(response.status));
    if (has_body) out.set(bhttp::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) out.set(name, value);
    if constexpr (kTls) {
      out.set(bhttp::field::strict_transport_security,
              absl::StrCat("max-age=", limits::kHstsMaxAgeSeconds));
    }
    out.keep_alive(!close_after_write_);
  }

  // A BodySource's body: the head with its Content-Length, then each piece
  // as a handler thread makes it (BodySource, message.h).
  void WriteStreamed(Response response) {
    source_ = std::move(response.stream);
    source_sent_ = 0;
    auto& head = stream_head_.emplace();
    SetHead(response, source_->size() > 0, head);
    head.content_length(source_->size());
    stream_serializer_.emplace(head);
    Lowest().expires_after(limits::kWriteTimeout);
    bhttp::async_write_header(
        stream_, *stream_serializer_,
        [self = this->shared_from_this()](beast::error_code error, size_t) {
          if (error) return self->CutStream();
          self->NextPiece();
        });
  }
  void NextPiece() {
    if (source_sent_ == source_->size()) {
      stream_serializer_.reset();
      stream_head_.reset();
      source_.reset();
      piece_.clear();
      return OnWritten(beast::error_code(), 0);
    }
    net::post(server_->workers(), [self = this->shared_from_this()] {
      absl::StatusOr<std::string> piece = self->source_->Next();
      net::post(self->executor(), [self, piece = std::move(piece)]() mutable {
        if (!piece.ok() || piece->empty() ||
            piece->size() > self->source_->size() - self->source_sent_) {
          return self->CutStream();
        }
        self->piece_ = *std::move(piece);
        self->Lowest().expires_after(limits::kWriteTimeout);
        net::async_write(self->stream_, net::buffer(self->piece_),
                         [self](beast::error_code error, size_t written) {
                           if (error) return self->CutStream();
                           self->source_sent_ += written;
                           self->NextPiece();
                         });
      });
    });
  }
  // The body cannot be sent whole: the connection ends without a TLS
  // close_notify, so that no client takes the short body for the end.
  void CutStream() {
    stream_serializer_.reset();
    stream_head_.reset();
    source_.reset();
    CloseSocket();
  }

  void OnWritten(beast::error_code error, size_t) {
    response_.reset();
    body_.reset();
    if (error) return Close();
    if (close_after_write_ || server_->stopping()) return linger_ ? Linger() : Close();
    ReadHead();
  }

  // Stops sending and reads what the client still sends, up to a bound,
  // before closing.
  // (Under TLS the refusal is followed by close_notify first, and what is
  // drained is the client's TLS records.)
  void Linger() {
    phase_ = Phase::kClosed;
    if constexpr (kTls) {
      // Our close_notify goes out before the TCP half-close.
      Lowest().expires_after(limits::kTlsShutdownTimeout);
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        self->HalfCloseAndDrain();
      });
    } else {
      HalfCloseAndDrain();
    }
  }
  void HalfCloseAndDrain() {
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    Lowest().expires_after(kLingerTimeout);
    DrainSome();
  }
  void DrainSome() {
    if (lingered_bytes_ >= kLingerBytesMax) return CloseSocket();
    Lowest().async_read_some(net::buffer(drain_), [self = this->shared_from_this()](
                                                       beast::error_code error, size_t bytes) {
      self->lingered_bytes_ += bytes;
      if (error) return self->CloseSocket();
      self->DrainSome();
    });
  }

  // Closes the connection: under TLS after a close_notify each way (within
  // kTlsShutdownTimeout), so that a client can tell the end from a cut.
  void Close() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    if constexpr (kTls) {
      if (handshaken_) {
        Lowest().expires_after(limits::kTlsShutdownTimeout);
        stream_.async_shutdown(
            [self = this->shared_from_this()](beast::error_code) { self->CloseSocket(); });
        return;
      }
    }
    CloseSocket();
  }
  void CloseSocket() {
    phase_ = Phase::kClosed;
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Lowest().close();
  }

  Server::Impl* const server_;
  Handler* const handler_;
  const std::shared_ptr<net::ssl::context> tls_;  // kept while stream_ uses it
  Stream stream_;
  std::string client_name_;  // the verified client certificate's CN (mutual TLS)
  bool handshaken_ = false;
  beast::flat_buffer buffer_;
  uint64_t id_ = 0;
  Phase phase_ = Phase::kHead;
  std::optional<bhttp::request_parser<bhttp::empty_body>> head_parser_;
  std::optional<bhttp::request_parser<bhttp::string_body>> body_parser_;
  Request request_;
  bool keep_alive_ = true;
  bool close_after_write_ = false;
  bool linger_ = false;
  size_t requests_ = 0;
  std::shared_ptr<const std::string> body_;  // what response_ points into
  std::optional<bhttp::response<bhttp::span_body<const char>>> response_;
  // A streamed body (WriteStreamed): its source, the head and its
  // serializer, the piece being written, the bytes sent.
  std::shared_ptr<BodySource> source_;
  std::optional<bhttp::response<bhttp::empty_body>> stream_head_;
  std::optional<bhttp::response_serializer<bhttp::empty_body>> stream_serializer_;
  std::string piece_;
  uint64_t source_sent_ = 0;
  std::array<char, 16 * 1024> drain_;
  size_t lingered_bytes_ = 0;
};

bool Server::Impl::Register(const std::shared_ptr<Connection>& connection, uint64_t* id) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (connections_.size() >= limits::kConnectionsMax) return false;
  *id = next_id_++;
  connections_.emplace(*id, connection);
  return true;
}

void Server::Impl::Unregister(uint64_t id) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    connections_.erase(id);
  }
  changed_.notify_all();
}

absl::StatusOr<int> Server::Impl::Listen(const std::string& host, int port, Handler* handler) {
  const std::string where = absl::StrCat(host, ":", port);
  beast::error_code error;
  tcp::resolver resolver(io_);
  auto endpoints = resolver.resolve(host, std::to_string(port),
                                    tcp::resolver::numeric_service | tcp::resolver::passive, error);
  if (error || endpoints.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot listen on ", where, ": ", error.message()));
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  auto listener = std::make_unique<Listener>(io_, handler, TlsContext() != nullptr);
  tcp::acceptor& acceptor = listener->acceptor;
  acceptor.open(endpoint.protocol(), error);
  // SO_REUSEADDR lets a restarted server bind while old connections linger
  // in TIME_WAIT; on Linux it never lets two sockets listen on one address
  // (that would take SO_REUSEPORT, which is never set).
  if (!error) acceptor.set_option(net::socket_base::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(limits::kListenBacklog, error);
  if (error == net::error::address_in_use) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", where, ": address in use"));
  }
  if (error) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", where, ": ", error.message()));
  }
  const int bound = acceptor.local_endpoint().port();
  Accept(listener.get());
  listeners_.push_back(std::move(listener));
  return bound;
}

void Server::Impl::Accept(Listener* listener) {
  listener->acceptor.async_accept(
      net::make_strand(io_), [this, listener](beast::error_code error, tcp::socket socket) {
        if (error == net::error::operation_aborted || !listener->acceptor.is_open()) return;
        if (error) {
          listener->retry.expires_after(kAcceptRetryAfter);
          listener->retry.async_wait([this, listener](beast::error_code waited) {
            if (!waited) Accept(listener);
          });
          return;
        }
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);  // no Nagle delay on small responses
        if (listener->tls) {
          std::make_shared<StreamConnection<TlsStream>>(this, listener->handler, std::move(socket),
                                                        TlsContext())
              ->Start();
        } else {
          std::make_shared<StreamConnection<PlainStream>>(this, listener->handler,
                                                          std::move(socket), nullptr)
              ->Start();
        }
        Accept(listener);
      });
}

void Server::Impl::Run() {
  auto guard = net::make_work_guard(io_);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < limits::kIoThreads; ++i) threads.emplace_back([this] { io_.run(); });
  {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return stop_asked_; });
    changed_.wait_for(lock, limits::kShutdownWaitMax, [this] { return connections_.empty(); });
  }
  guard.reset();
  io_.stop();
  for (std::thread& thread : threads) thread.join();
  workers_.join();
}

void Server::Impl::Stop() {
  if (stopping_.exchange(true, std::memory_order_acq_rel)) return;
  net::post(io_, [this] {
    for (const auto& listener : listeners_) {
      net::post(listener->acceptor.get_executor(), [listener = listener.get()] {
        beast::error_code ignored;
        listener->acceptor.close(ignored);
        listener->retry.cancel();
      });
    }
    std::vector<std::shared_ptr<Connection>> open;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const auto& [id, weak] : connections_) {
        if (auto connection = weak.lock()) open.push_back(std::move(connection));
      }
    }
    for (auto& connection : open) {
      net::post(connection->executor(), [connection] { connection->OnStop(); });
    }
  });
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_asked_ = true;
  }
  changed_.notify_all();
}

absl::Status Server::Impl::UseTls(const TlsFiles& files) {
  absl::StatusOr<std::shared_ptr<net::ssl::context>> context = MakeTlsContext(files);
  if (!context.ok()) return context.status();
  std::lock_guard<std::mutex> lock(tls_mutex_);
  tls_files_ = files;
  tls_context_ = *std::move(context);
  return absl::OkStatus();
}

absl::Status Server::Impl::ReloadTls() {
  std::optional<TlsFiles> files;
  {
    std::lock_guard<std::mutex> lock(tls_mutex_);
    files = tls_files_;
  }
  if (!files.has_value()) return absl::FailedPreconditionError("the server does not use TLS");
  return UseTls(*files);
}

Server::Server() : impl_(std::make_unique<Impl>()) {}
Server::~Server() = default;

absl::StatusOr<int> Server::Listen(const std::string& host, int port, Handler* handler) {
  return impl_->Listen(host, port, handler);
}
void Server::Run() { impl_->Run(); }
void Server::Stop() { impl_->Stop(); }
absl::Status Server::UseTls(const TlsFiles& files) { return impl_->UseTls(files); }
absl::Status Server::ReloadTls() { return impl_->ReloadTls(); }

}  // namespace aidledger::http
