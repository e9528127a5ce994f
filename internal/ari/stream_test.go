package ari

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// asteriskWriteTimeout mirrors ari.conf's websocket_write_timeout: Asterisk
// drops a socket whose reader does not take an event within it.
const asteriskWriteTimeout = 100 * time.Millisecond

// fakeEvents is an httptest server standing in for ARI's event socket. Each
// accepted connection is handed to serve with its sequence number (from 1).
type fakeEvents struct {
	*httptest.Server
	conns  atomic.Int32
	refuse atomic.Int32 // answer this many more handshakes with 401
}

func newFakeEvents(tb testing.TB, app string, serve func(ctx context.Context, c *websocket.Conn, n int)) *fakeEvents {
	tb.Helper()
	return newFakeEventsAll(tb, app, false, serve)
}

// newFakeEventsAll is newFakeEvents for a client that asks for subscribeAll.
func newFakeEventsAll(tb testing.TB, app string, all bool, serve func(ctx context.Context, c *websocket.Conn, n int)) *fakeEvents {
	tb.Helper()
	f := &fakeEvents{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if r.URL.Path != "/ari/events" || !ok || user != "ikomek" || pass != "s3cret" || f.refuse.Add(-1) >= 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"message":"Authentication required"}`)
			return
		}
		if q := r.URL.Query(); q.Get("app") != app || q.Get("subscribeAll") != fmt.Sprint(all) {
			http.Error(w, "bad query "+r.URL.RawQuery, http.StatusBadRequest)
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			tb.Errorf("accept: %v", err)
			return
		}
		defer c.CloseNow()
		serve(r.Context(), c, int(f.conns.Add(1)))
	}))
	tb.Cleanup(f.Close)
	return f
}

// send writes one event within Asterisk's write timeout.
func send(ctx context.Context, c *websocket.Conn, msg string) error {
	ctx, cancel := context.WithTimeout(ctx, asteriskWriteTimeout)
	defer cancel()
	return c.Write(ctx, websocket.MessageText, []byte(msg))
}

func dtmf(app string, i int) string {
	return fmt.Sprintf(`{"type":"ChannelDtmfReceived","application":%q,"timestamp":"2025-05-14T10:03:07.512+0500",`+
		`"digit":"1","duration_ms":100,"channel":{"id":"ch-%d","name":"PJSIP/citizens-1","state":"Up",`+
		`"caller":{"name":"","number":"7701"},"connected":{"name":"","number":""},"accountcode":"",`+
		`"dialplan":{"context":"c","exten":"109","priority":1,"app_name":"Stasis","app_data":""},`+
		`"creationtime":"2025-05-14T10:03:07.512+0500","language":"ru"},"asterisk_id":"02:1c:00:00:02:09"}`, app, i)
}

func replaced(app string) string {
	return fmt.Sprintf(`{"type":"ApplicationReplaced","application":%q,"timestamp":"2025-05-14T10:03:07.512+0500"}`, app)
}

// waitClosed reads the peer until it closes and reports its close status.
func waitClosed(ctx context.Context, c *websocket.Conn) websocket.StatusCode {
	for {
		if _, _, err := c.Read(ctx); err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

func streamClient(tb testing.TB, url string) *Client {
	tb.Helper()
	c, err := NewClient(url+"/ari", "ikomek", "s3cret", WithLogger(discardLogger()), WithRequestTimeout(2*time.Second))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// next returns the next event or fails after a few seconds.
func next(tb testing.TB, s *EventStream) Event {
	tb.Helper()
	select {
	case ev, ok := <-s.Events():
		if !ok {
			tb.Fatalf("Events closed early; Err = %v", s.Err())
		}
		return ev
	case <-time.After(5 * time.Second):
		tb.Fatal("no event within 5s")
	}
	return nil
}

func wantConnected(tb testing.TB, ev Event, reconnect bool) {
	tb.Helper()
	c, ok := ev.(*Connected)
	if !ok || c.Reconnect != reconnect {
		tb.Fatalf("event = %#v, want Connected{Reconnect: %v}", ev, reconnect)
	}
	if c.Type != "Connected" || c.Timestamp.IsZero() {
		tb.Errorf("Connected header = %+v", c.EventHeader)
	}
}

func wantDTMF(tb testing.TB, ev Event, i int) {
	tb.Helper()
	d, ok := ev.(*ChannelDtmfReceived)
	if !ok || d.Channel.ID != fmt.Sprintf("ch-%d", i) {
		tb.Fatalf("event = %#v, want DTMF on ch-%d", ev, i)
	}
}

// wantClosed waits for Events to close.
func wantClosed(tb testing.TB, s *EventStream) {
	tb.Helper()
	select {
	case ev, ok := <-s.Events():
		if ok {
			tb.Fatalf("got %#v, want Events closed", ev)
		}
	case <-time.After(5 * time.Second):
		tb.Fatal("Events not closed within 5s")
	}
}

// checkNoLeaks fails tb if goroutines of the stream or of the WebSocket
// library are still running shortly after the test.
func checkNoLeaks(tb testing.TB) {
	tb.Helper()
	tb.Cleanup(func() {
		var stacks string
		for range 100 {
			buf := make([]byte, 1<<20)
			stacks = string(buf[:runtime.Stack(buf, true)])
			leaked := false
			for g := range strings.SplitSeq(stacks, "\n\n") {
				if strings.Contains(g, "internal/ari.(*EventStream)") || strings.Contains(g, "internal/ari.(*eventQueue)") ||
					strings.Contains(g, "github.com/coder/websocket") {
					leaked = true
				}
			}
			if !leaked {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		tb.Errorf("goroutines leaked:\n%s", stacks)
	})
}

// TestStreamSlowConsumer shows that a slow consumer never slows the reader
// (every write meets Asterisk's write timeout) and that thousands of events
// arrive complete and in order.
func TestStreamSlowConsumer(t *testing.T) {
	checkNoLeaks(t)
	const n = 5000
	sent := make(chan error, 1)
	f := newFakeEvents(t, "app1", func(ctx context.Context, c *websocket.Conn, _ int) {
		go c.CloseRead(ctx)
		var err error
		for i := range n {
			if err = send(ctx, c, dtmf("app1", i)); err != nil {
				err = fmt.Errorf("event %d: %w", i, err)
				break
			}
		}
		sent <- err
		<-ctx.Done()
	})
	s := streamClient(t, f.URL).Subscribe(t.Context(), "app1")
	defer s.Close()

	wantConnected(t, next(t, s), false)
	// Do not read until the server has written everything.
	select {
	case err := <-sent:
		if err != nil {
			t.Fatalf("server write blocked by a slow consumer: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not finish writing")
	}
	if s.Backlog() == 0 {
		t.Error("Backlog() = 0 with every event unread")
	}
	for i := range n {
		if i%500 == 0 {
			time.Sleep(10 * time.Millisecond) // and stay slow
		}
		wantDTMF(t, next(t, s), i)
	}
	// The counter drops just after the hand-over.
	for deadline := time.Now().Add(time.Second); s.Backlog() != 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if got := s.Backlog(); got != 0 {
		t.Errorf("Backlog() = %d after reading everything", got)
	}
	if s.State() != StreamConnected || s.Reconnects() != 0 {
		t.Errorf("State() = %v, Reconnects() = %d", s.State(), s.Reconnects())
	}
}

// TestStreamReconnect shows a dropped socket is reported in order with
// Disconnected and then Connected{Reconnect: true}, and counted.
func TestStreamReconnect(t *testing.T) {
	checkNoLeaks(t)
	f := newFakeEvents(t, "app1", func(ctx context.Context, c *websocket.Conn, n int) {
		go c.CloseRead(ctx)
		for i := range 3 {
			if err := send(ctx, c, dtmf("app1", n*10+i)); err != nil {
				t.Errorf("send: %v", err)
			}
		}
		if n == 1 {
			c.Close(websocket.StatusGoingAway, "restarting") // the server drops us
			return
		}
		<-ctx.Done()
	})
	s := streamClient(t, f.URL).Subscribe(t.Context(), "app1", WithBackoff(10*time.Millisecond, 50*time.Millisecond))
	defer s.Close()

	wantConnected(t, next(t, s), false)
	for i := range 3 {
		wantDTMF(t, next(t, s), 10+i)
	}
	d, ok := next(t, s).(*Disconnected)
	if !ok || d.Err == nil || websocket.CloseStatus(d.Err) != websocket.StatusGoingAway {
		t.Fatalf("want Disconnected with the close status, got %#v", d)
	}
	wantConnected(t, next(t, s), true)
	for i := range 3 {
		wantDTMF(t, next(t, s), 20+i)
	}
	if s.Reconnects() != 1 || s.State() != StreamConnected {
		t.Errorf("Reconnects() = %d, State() = %v; want 1, connected", s.Reconnects(), s.State())
	}
}

// TestStreamApplicationReplaced shows the stream delivers ApplicationReplaced,
// then stops for good without reconnecting.
func TestStreamApplicationReplaced(t *testing.T) {
	checkNoLeaks(t)
	f := newFakeEvents(t, "app1", func(ctx context.Context, c *websocket.Conn, _ int) {
		go c.CloseRead(ctx)
		send(ctx, c, dtmf("app1", 1))
		send(ctx, c, replaced("app1"))
		send(ctx, c, dtmf("app1", 2)) // must not be delivered
		<-ctx.Done()
	})
	s := streamClient(t, f.URL).Subscribe(t.Context(), "app1", WithBackoff(time.Millisecond, time.Millisecond))
	defer s.Close()

	wantConnected(t, next(t, s), false)
	wantDTMF(t, next(t, s), 1)
	if ev := next(t, s); ev.Header().Type != "ApplicationReplaced" {
		t.Fatalf("event = %#v, want ApplicationReplaced", ev)
	}
	wantClosed(t, s)
	if !errors.Is(s.Err(), ErrApplicationReplaced) {
		t.Errorf("Err() = %v, want ErrApplicationReplaced", s.Err())
	}
	if s.State() != StreamStopped {
		t.Errorf("State() = %v, want stopped", s.State())
	}
	time.Sleep(50 * time.Millisecond) // many backoff periods
	if n := f.conns.Load(); n != 1 {
		t.Errorf("server saw %d connections, want 1 (no reconnect after ApplicationReplaced)", n)
	}
	<-s.Done()
}

// TestStreamCancel shows cancelling the context closes the socket with a
// normal close frame, closes Events and leaves no goroutine behind, even
// with events nobody read.
func TestStreamCancel(t *testing.T) {
	checkNoLeaks(t)
	closes := make(chan websocket.StatusCode, 1)
	f := newFakeEvents(t, "app1", func(ctx context.Context, c *websocket.Conn, _ int) {
		for i := range 100 {
			send(ctx, c, dtmf("app1", i))
		}
		closes <- waitClosed(ctx, c)
	})
	ctx, cancel := context.WithCancel(t.Context())
	s := streamClient(t, f.URL).Subscribe(ctx, "app1")
	wantConnected(t, next(t, s), false)
	wantDTMF(t, next(t, s), 0)
	cancel()
	select {
	case <-s.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("stream did not stop within 5s of cancel")
	}
	for range s.Events() { // already closed: Done comes after
	}
	if !errors.Is(s.Err(), context.Canceled) || s.State() != StreamStopped {
		t.Errorf("Err() = %v, State() = %v; want context.Canceled, stopped", s.Err(), s.State())
	}
	select {
	case code := <-closes:
		if code != websocket.StatusNormalClosure {
			t.Errorf("server saw close status %v, want normal closure", code)
		}
	case <-time.After(5 * time.Second):
		t.Error("server never saw the socket close")
	}
}

// TestStreamCloseUnread shows Close returns promptly while the consumer has
// read nothing.
func TestStreamCloseUnread(t *testing.T) {
	checkNoLeaks(t)
	f := newFakeEvents(t, "app1", func(ctx context.Context, c *websocket.Conn, _ int) {
		go c.CloseRead(ctx)
		for i := range 50 {
			send(ctx, c, dtmf("app1", i))
		}
		<-ctx.Done()
	})
	s := streamClient(t, f.URL).Subscribe(t.Context(), "app1")
	deadline := time.Now().Add(5 * time.Second)
	for s.Backlog() < 51 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close() blocked on an idle consumer")
	}
}

// TestStreamRetriesRefusedHandshake shows a refused handshake (here 401) is
// retried with backoff; the first successful open is not a reconnect.
func TestStreamRetriesRefusedHandshake(t *testing.T) {
	checkNoLeaks(t)
	f := newFakeEvents(t, "app1", func(ctx context.Context, c *websocket.Conn, _ int) {
		go c.CloseRead(ctx)
		send(ctx, c, dtmf("app1", 7))
		<-ctx.Done()
	})
	f.refuse.Store(3)
	s := streamClient(t, f.URL).Subscribe(t.Context(), "app1", WithBackoff(5*time.Millisecond, 20*time.Millisecond))
	defer s.Close()
	if st := s.State(); st != StreamConnecting {
		t.Errorf("State() before the socket opened = %v, want connecting", st)
	}
	wantConnected(t, next(t, s), false)
	wantDTMF(t, next(t, s), 7)
	if s.Reconnects() != 0 {
		t.Errorf("Reconnects() = %d, want 0", s.Reconnects())
	}
}

// TestStreamPingTimeout shows a peer that stops answering pings is dropped
// and reconnected.
func TestStreamPingTimeout(t *testing.T) {
	checkNoLeaks(t)
	f := newFakeEvents(t, "app1", func(ctx context.Context, c *websocket.Conn, n int) {
		if n == 1 {
			// Never reading means never answering pings.
			<-ctx.Done()
			return
		}
		go c.CloseRead(ctx)
		<-ctx.Done()
	})
	s := streamClient(t, f.URL).Subscribe(t.Context(), "app1", WithPingInterval(50*time.Millisecond), WithBackoff(time.Millisecond, time.Millisecond))
	defer s.Close()
	wantConnected(t, next(t, s), false)
	if _, ok := next(t, s).(*Disconnected); !ok {
		t.Fatal("want Disconnected after unanswered pings")
	}
	wantConnected(t, next(t, s), true)
}

// TestStreamKeepsUndecodableEvents shows a malformed message is delivered as
// *Unknown with Err set, in order, and the stream goes on.
func TestStreamKeepsUndecodableEvents(t *testing.T) {
	checkNoLeaks(t)
	f := newFakeEvents(t, "app1", func(ctx context.Context, c *websocket.Conn, _ int) {
		go c.CloseRead(ctx)
		send(ctx, c, dtmf("app1", 1))
		send(ctx, c, `{"type":"StasisStart","application":"app1","channel":"not an object"}`)
		send(ctx, c, `{"type":"SomethingNew","application":"app1","x":1}`)
		send(ctx, c, dtmf("app1", 2))
		<-ctx.Done()
	})
	s := streamClient(t, f.URL).Subscribe(t.Context(), "app1")
	defer s.Close()
	wantConnected(t, next(t, s), false)
	wantDTMF(t, next(t, s), 1)
	u, ok := next(t, s).(*Unknown)
	if !ok || u.Err == nil || !errors.Is(u.Err, ErrMalformedEvent) || u.Type != "StasisStart" || !strings.Contains(string(u.Raw), "not an object") {
		t.Fatalf("want *Unknown with a decode error, got %#v", u)
	}
	u, ok = next(t, s).(*Unknown)
	if !ok || u.Err != nil || u.Type != "SomethingNew" {
		t.Fatalf("want *Unknown for a new type, got %#v", u)
	}
	wantDTMF(t, next(t, s), 2)
}

func TestStreamEmptyApp(t *testing.T) {
	checkNoLeaks(t)
	c, _ := NewClient("http://127.0.0.1:1/ari", "u", "p", WithLogger(discardLogger()))
	s := c.Subscribe(t.Context(), "")
	wantClosed(t, s)
	if s.Err() == nil {
		t.Error("Err() = nil for an empty app name")
	}
}

func TestBackoff(t *testing.T) {
	b := backoff{lo: 100 * time.Millisecond, hi: time.Second}
	caps := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, c := range caps {
		c *= time.Millisecond
		if d := b.next(); d < c/2 || d > c {
			t.Errorf("attempt %d: delay %v outside [%v, %v]", i, d, c/2, c)
		}
	}
	b.reset()
	if d := b.next(); d > 100*time.Millisecond {
		t.Errorf("after reset: delay %v, want <= 100ms", d)
	}
}

// TestStreamReadLimit shows an event over the read limit drops the
// connection (Asterisk would resend nothing), and the stream reconnects;
// WithSubscribeAll reaches the server.
func TestStreamReadLimit(t *testing.T) {
	checkNoLeaks(t)
	f := newFakeEventsAll(t, "app1", true, func(ctx context.Context, c *websocket.Conn, n int) {
		go c.CloseRead(ctx)
		if n == 1 {
			send(ctx, c, dtmf("app1", 1))
			send(ctx, c, `{"type":"Big","application":"app1","pad":"`+strings.Repeat("x", 2048)+`"}`)
		}
		send(ctx, c, dtmf("app1", 2))
		<-ctx.Done()
	})
	s := streamClient(t, f.URL).Subscribe(t.Context(), "app1", WithSubscribeAll(), WithReadLimit(1024), WithBackoff(time.Millisecond, time.Millisecond))
	defer s.Close()
	if s.App() != "app1" {
		t.Errorf("App() = %q", s.App())
	}
	wantConnected(t, next(t, s), false)
	wantDTMF(t, next(t, s), 1)
	d, ok := next(t, s).(*Disconnected)
	if !ok || d.Err == nil || !strings.Contains(d.Err.Error(), "too big") {
		t.Fatalf("want Disconnected for a too big message, got %#v: %v", d, d.Err)
	}
	wantConnected(t, next(t, s), true)
	wantDTMF(t, next(t, s), 2)
}

func TestStreamStateString(t *testing.T) {
	for st, want := range map[StreamState]string{StreamConnecting: "connecting", StreamConnected: "connected", StreamStopped: "stopped", 9: "StreamState(9)"} {
		if st.String() != want {
			t.Errorf("%d.String() = %q, want %q", int32(st), st.String(), want)
		}
	}
}
