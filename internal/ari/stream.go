package ari

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// ErrApplicationReplaced is the Err of an EventStream that stopped because
// another connection registered the same application name. The stream does
// not reconnect: that would steal the application back and forth.
var ErrApplicationReplaced = errors.New("ari: application replaced by another connection")

// Connected is delivered by an EventStream each time its socket opens, which
// is when Asterisk (re-)registers the application. With Reconnect set,
// events were lost while disconnected and the application must
// resynchronise (Applications.Get, Channels.List, Bridges.List) and redo its
// subscriptions.
type Connected struct {
	EventHeader // Type "Connected", local time
	Reconnect   bool
}

// Disconnected is delivered by an EventStream when an open socket drops;
// Err says why. Until the next Connected, events are lost and new calls to
// Stasis() fail in the dialplan, while channels already in Stasis keep
// their media and bridges.
type Disconnected struct {
	EventHeader // Type "Disconnected", local time
	Err         error
}

// StreamState is the connection state of an EventStream.
type StreamState int32

// Stream states.
const (
	StreamConnecting StreamState = iota // dialing, or waiting to redial
	StreamConnected                     // socket open, application registered
	StreamStopped                       // for good; see Err
)

func (s StreamState) String() string {
	switch s {
	case StreamConnecting:
		return "connecting"
	case StreamConnected:
		return "connected"
	case StreamStopped:
		return "stopped"
	}
	return fmt.Sprintf("StreamState(%d)", int32(s))
}

// Stream defaults.
const (
	DefaultPingInterval = 10 * time.Second
	DefaultReadLimit    = 1 << 20 // events with many channel variables exceed 32 KiB
	DefaultMinBackoff   = 100 * time.Millisecond
	DefaultMaxBackoff   = 5 * time.Second
)

// StreamOption configures an EventStream in Client.Subscribe.
type StreamOption func(*streamConfig)

type streamConfig struct {
	subscribeAll bool
	pingInterval time.Duration
	readLimit    int64
	minBackoff   time.Duration
	maxBackoff   time.Duration
	// tap, if set, sees every message as received; tests record fixtures
	// with it.
	tap func([]byte)
}

// WithSubscribeAll subscribes the application to all events of the server
// (subscribeAll=true) instead of only those of what it owns or subscribed
// to.
func WithSubscribeAll() StreamOption {
	return func(c *streamConfig) { c.subscribeAll = true }
}

// WithPingInterval sets how often the socket is pinged; a ping unanswered
// within the same interval drops the connection. d <= 0 keeps the default.
func WithPingInterval(d time.Duration) StreamOption {
	return func(c *streamConfig) {
		if d > 0 {
			c.pingInterval = d
		}
	}
}

// WithReadLimit sets the largest event, in bytes, the stream accepts; a
// larger one drops the connection. n <= 0 keeps the default.
func WithReadLimit(n int64) StreamOption {
	return func(c *streamConfig) {
		if n > 0 {
			c.readLimit = n
		}
	}
}

// WithBackoff sets the first and the largest delay between connection
// attempts. Delays double from lo up to hi, each with random jitter.
// Values <= 0 keep the defaults.
func WithBackoff(lo, hi time.Duration) StreamOption {
	return func(c *streamConfig) {
		if lo > 0 {
			c.minBackoff = lo
		}
		if hi > 0 {
			c.maxBackoff = hi
		}
		c.maxBackoff = max(c.maxBackoff, c.minBackoff)
	}
}

// EventStream is the event socket of one Stasis application. It delivers
// every event it receives, in order, on Events; it reconnects on its own
// and reports that in the same order with *Connected and *Disconnected.
//
// Receiving never waits for the consumer: events queue up without bound
// while the consumer is slow, because Asterisk drops a socket whose reader
// stalls. The consumer must therefore keep reading Events until it is
// closed, or cancel the stream.
type EventStream struct {
	client *Client
	app    string
	cfg    streamConfig
	cancel context.CancelFunc

	out  chan Event
	done chan struct{}
	q    eventQueue

	state      atomic.Int32
	reconnects atomic.Int64
	backlog    atomic.Int64

	mu  sync.Mutex
	err error
}

// Subscribe opens the event socket for app, which registers it as a Stasis
// application, and keeps it open until ctx is cancelled, Close is called,
// or the application is replaced (see ErrApplicationReplaced). It returns
// at once; the first event on Events is *Connected once the socket is
// open. Failed connection attempts are retried forever with backoff and
// logged; State tells whether the stream is connected.
func (c *Client) Subscribe(ctx context.Context, app string, opts ...StreamOption) *EventStream {
	cfg := streamConfig{
		pingInterval: DefaultPingInterval,
		readLimit:    DefaultReadLimit,
		minBackoff:   DefaultMinBackoff,
		maxBackoff:   DefaultMaxBackoff,
	}
	for _, o := range opts {
		o(&cfg)
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &EventStream{
		client: c,
		app:    app,
		cfg:    cfg,
		cancel: cancel,
		out:    make(chan Event),
		done:   make(chan struct{}),
	}
	s.q.wake = make(chan struct{}, 1)
	go s.run(ctx)
	return s
}

// App returns the application name.
func (s *EventStream) App() string { return s.app }

// Events returns the channel of events. It is closed after the stream
// stops; events still queued when ctx is cancelled are discarded, while
// after ApplicationReplaced everything up to and including that event is
// delivered first.
func (s *EventStream) Events() <-chan Event { return s.out }

// Done is closed once the stream has stopped and released its resources,
// after Events is closed.
func (s *EventStream) Done() <-chan struct{} { return s.done }

// Err returns why the stream stopped: ErrApplicationReplaced, the context's
// error (also after Close), or an error about a bad app name. It returns
// nil while the stream runs and is set before Events is closed.
func (s *EventStream) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// State returns the current connection state, e.g. for a gauge.
func (s *EventStream) State() StreamState { return StreamState(s.state.Load()) }

// Reconnects returns how many times the socket has been opened again after
// the first time, e.g. for a counter.
func (s *EventStream) Reconnects() int64 { return s.reconnects.Load() }

// Backlog returns how many received events wait for the consumer.
func (s *EventStream) Backlog() int64 { return s.backlog.Load() }

// Close stops the stream and waits until it has stopped.
func (s *EventStream) Close() {
	s.cancel()
	<-s.done
}

func (s *EventStream) run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { s.deliver(ctx) })
	err := s.connectLoop(ctx)
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
	s.state.Store(int32(StreamStopped))
	s.q.close()
	wg.Wait()
	close(s.out)
	s.cancel()
	close(s.done)
}

// connectLoop keeps the socket open until ctx ends or the application is
// replaced, and returns why it stopped.
func (s *EventStream) connectLoop(ctx context.Context) error {
	if s.app == "" {
		return errors.New("ari: empty application name")
	}
	log := s.client.log.With("app", s.app)
	bo := backoff{lo: s.cfg.minBackoff, hi: s.cfg.maxBackoff}
	opened := false
	for {
		conn, err := s.dial(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			d := bo.next()
			level := slog.LevelWarn
			if IsUnauthorized(err) {
				level = slog.LevelError
			}
			log.Log(ctx, level, "ari event socket: connect failed", "err", err, "retry_in", d)
			if !sleep(ctx, d) {
				return ctx.Err()
			}
			continue
		}
		if opened {
			s.reconnects.Add(1)
			log.Info("ari event socket: reconnected")
		}
		s.state.Store(int32(StreamConnected))
		s.push(&Connected{EventHeader: s.header("Connected"), Reconnect: opened})
		opened = true
		start := time.Now()
		err = s.read(ctx, conn)
		s.state.Store(int32(StreamConnecting))
		if errors.Is(err, ErrApplicationReplaced) {
			log.Warn("ari event socket: application replaced by another connection; not reconnecting")
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.push(&Disconnected{EventHeader: s.header("Disconnected"), Err: err})
		// Only a connection that stayed up resets the delay, so a server that
		// accepts and drops at once is not hammered.
		if time.Since(start) > s.cfg.maxBackoff {
			bo.reset()
		}
		d := bo.next()
		log.Warn("ari event socket: disconnected", "err", err, "retry_in", d)
		if !sleep(ctx, d) {
			return ctx.Err()
		}
	}
}

func (s *EventStream) header(typ string) EventHeader {
	return EventHeader{Type: typ, Application: s.app, Timestamp: Time{time.Now()}}
}

// dial opens the socket within the client's request timeout. A refused
// handshake becomes an *Error with the server's message.
func (s *EventStream) dial(ctx context.Context) (*websocket.Conn, error) {
	q := url.Values{"app": {s.app}, "subscribeAll": {fmt.Sprint(s.cfg.subscribeAll)}}
	u := s.client.base + "/events?" + q.Encode()
	ctx, cancel := context.WithTimeout(ctx, s.client.timeout)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{
		HTTPClient: s.client.http,
		HTTPHeader: http.Header{"Authorization": {s.client.auth}},
	})
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			var body []byte
			if resp.Body != nil {
				body, _ = io.ReadAll(io.LimitReader(resp.Body, maxErrorBytes))
			}
			return nil, &Error{Method: http.MethodGet, Path: "/events", Status: resp.StatusCode, Message: errorMessage(resp.StatusCode, body)}
		}
		return nil, err
	}
	conn.SetReadLimit(s.cfg.readLimit)
	return conn, nil
}

// read queues the events of one connection until it fails, ctx ends, or
// ApplicationReplaced arrives, and returns why. It never waits for the
// consumer.
func (s *EventStream) read(ctx context.Context, conn *websocket.Conn) error {
	// Reads use their own context: cancelling ctx closes the socket politely
	// (see keepalive) instead of tearing it down mid-frame.
	connCtx, connCancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer connCancel()
	wg.Go(func() { s.keepalive(ctx, connCtx, conn) })
	for {
		_, data, err := conn.Read(connCtx)
		if err != nil {
			conn.CloseNow()
			return err
		}
		if s.cfg.tap != nil {
			s.cfg.tap(data)
		}
		ev, err := DecodeEvent(data)
		if err != nil {
			s.client.log.Warn("ari event socket: undecodable event", "app", s.app, "err", err)
			u := &Unknown{Raw: data, Err: err}
			_ = json.Unmarshal(data, &u.EventHeader) // best effort, for logs

			ev = u
		}
		s.push(ev)
		if _, ok := ev.(*ApplicationReplaced); ok {
			conn.Close(websocket.StatusNormalClosure, "application replaced")
			return ErrApplicationReplaced
		}
	}
}

// keepalive pings the socket and closes it when a ping goes unanswered or
// ctx ends. It returns when connCtx ends.
func (s *EventStream) keepalive(ctx, connCtx context.Context, conn *websocket.Conn) {
	t := time.NewTicker(s.cfg.pingInterval)
	defer t.Stop()
	for {
		select {
		case <-connCtx.Done():
			return
		case <-ctx.Done():
			// A close frame makes Asterisk unregister the application now.
			conn.Close(websocket.StatusNormalClosure, "")
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(connCtx, s.cfg.pingInterval)
			err := conn.Ping(pctx)
			cancel()
			if err != nil && connCtx.Err() == nil {
				s.client.log.Warn("ari event socket: ping failed", "app", s.app, "err", err)
				conn.CloseNow()
				return
			}
		}
	}
}

func (s *EventStream) push(ev Event) {
	s.backlog.Add(1)
	s.q.push(ev)
}

// deliver hands queued events to the consumer in order until the queue is
// closed and empty, or ctx ends.
func (s *EventStream) deliver(ctx context.Context) {
	var batch []Event
	for {
		var ok bool
		batch, ok = s.q.take(ctx, batch)
		if !ok {
			return
		}
		for i, ev := range batch {
			select {
			case s.out <- ev:
				s.backlog.Add(-1)
				batch[i] = nil
			case <-ctx.Done():
				return
			}
		}
	}
}

// eventQueue is an unbounded FIFO with one producer and one consumer.
type eventQueue struct {
	mu     sync.Mutex
	items  []Event
	closed bool
	wake   chan struct{} // capacity 1: "something changed"
}

func (q *eventQueue) push(ev Event) {
	q.mu.Lock()
	q.items = append(q.items, ev)
	q.mu.Unlock()
	q.signal()
}

func (q *eventQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
}

func (q *eventQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// take waits until events are queued and returns all of them in order,
// handing spare (whose elements must be nil) to the queue for reuse. It
// returns false once the queue is closed and empty, or when ctx ends.
func (q *eventQueue) take(ctx context.Context, spare []Event) ([]Event, bool) {
	for {
		q.mu.Lock()
		if len(q.items) > 0 {
			items := q.items
			q.items = spare[:0]
			q.mu.Unlock()
			return items, true
		}
		closed := q.closed
		q.mu.Unlock()
		if closed {
			return nil, false
		}
		select {
		case <-q.wake:
		case <-ctx.Done():
			return nil, false
		}
	}
}

// backoff yields doubling delays from lo up to hi with "equal jitter":
// each delay is uniformly random in [d/2, d].
type backoff struct {
	lo, hi  time.Duration
	attempt int
}

func (b *backoff) next() time.Duration {
	d := b.lo
	for i := 0; i < b.attempt && d < b.hi; i++ {
		d *= 2
	}
	d = min(d, b.hi)
	b.attempt++
	half := d / 2
	return half + rand.N(d-half+1)
}

func (b *backoff) reset() { b.attempt = 0 }

// sleep waits for d or until ctx ends, and reports whether it waited all of
// d.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
