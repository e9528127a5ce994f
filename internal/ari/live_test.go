package ari

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/testenv"
)

// Live tests run against the project's test Asterisk (testenv.Asterisk
// starts it when needed; -short skips them). With -ari.record they also
// rewrite testdata/events/<Type>.json from the events they see.
var recordFixtures = flag.Bool("ari.record", false, "write the events seen by live tests to testdata/events")

// liveClient returns a client for the test Asterisk and a unique application
// name, so tests never collide with other users of the same server.
func liveClient(t *testing.T, opts ...Option) (*Client, string) {
	t.Helper()
	env := testenv.Asterisk(t)
	opts = append([]Option{WithLogger(discardLogger())}, opts...)
	c, err := NewClient(env.ARIURL, env.ARIUser, env.ARIPassword, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c, "ariTest-" + randomID()
}

func randomID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// recorder drains a stream into memory so tests can wait for events in any
// order, and records fixtures when asked to.
type recorder struct {
	s    *EventStream
	done chan struct{} // closed once every event of s is in evs
	mu   sync.Mutex
	cond chan struct{} // closed and replaced on every new event
	evs  []Event
}

// liveStream subscribes app and waits for the socket to open.
func liveStream(t *testing.T, c *Client, app string, opts ...StreamOption) *recorder {
	t.Helper()
	if *recordFixtures {
		opts = append(opts, withTap(fixtureTap(t)))
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &recorder{s: c.Subscribe(ctx, app, opts...), cond: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for ev := range r.s.Events() {
			t.Logf("event %T %s", ev, summary(ev))
			r.mu.Lock()
			r.evs = append(r.evs, ev)
			close(r.cond)
			r.cond = make(chan struct{})
			r.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	waitFor(t, r, func(*Connected) bool { return true })
	return r
}

func summary(ev Event) string {
	b, _ := json.Marshal(ev)
	if len(b) > 300 {
		b = append(b[:300], "..."...)
	}
	return string(b)
}

// waitFor returns the first event of type T, received so far or within 10
// seconds, for which match is true.
func waitFor[T Event](t *testing.T, r *recorder, match func(T) bool) T {
	t.Helper()
	deadline := time.After(10 * time.Second)
	seen, stopped := 0, false
	for {
		r.mu.Lock()
		evs, cond := r.evs[seen:], r.cond
		seen = len(r.evs)
		r.mu.Unlock()
		for _, ev := range evs {
			if e, ok := ev.(T); ok && match(e) {
				return e
			}
		}
		var zero T
		if stopped {
			t.Fatalf("stream stopped (%v) before a %T arrived", r.s.Err(), zero)
		}
		select {
		case <-cond:
		case <-r.done:
			stopped = true // one more look at what arrived last
		case <-deadline:
			t.Fatalf("no %T within 10s", zero)
		}
	}
}

func withTap(fn func([]byte)) StreamOption {
	return func(c *streamConfig) { c.tap = fn }
}

// fixtureTap writes each event type's first message to testdata/events.
func fixtureTap(t *testing.T) func([]byte) {
	var mu sync.Mutex
	written := map[string]bool{}
	return func(msg []byte) {
		var h struct{ Type string }
		if json.Unmarshal(msg, &h) != nil || h.Type == "" {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if written[h.Type] {
			return
		}
		written[h.Type] = true
		var out bytes.Buffer
		json.Indent(&out, msg, "", "  ")
		out.WriteByte('\n')
		if err := os.WriteFile(filepath.Join("testdata", "events", h.Type+".json"), out.Bytes(), 0o644); err != nil {
			t.Errorf("recording fixture: %v", err)
		}
	}
}

func TestLivePingInfo(t *testing.T) {
	c, _ := liveClient(t)
	ctx := t.Context()
	p, err := c.Asterisk().Ping(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p.Ping != "pong" || p.AsteriskID == "" {
		t.Errorf("Ping() = %+v", p)
	}
	info, err := c.Asterisk().Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.System == nil || info.System.EntityID != p.AsteriskID || !strings.HasPrefix(info.System.Version, "22") {
		t.Errorf("Info().System = %+v, want entity id %s and version 22", info.System, p.AsteriskID)
	}
	if info.Build == nil || info.Config == nil || info.Status == nil || info.Status.StartupTime.IsZero() {
		t.Errorf("Info() = %+v, want every section", info)
	}
	name := "ARITEST_" + strings.ToUpper(randomID())
	t.Cleanup(func() { c.Asterisk().SetGlobalVar(context.Background(), name, "") })
	if err := c.Asterisk().SetGlobalVar(ctx, name, "night shift"); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Asterisk().GetGlobalVar(ctx, name); err != nil || v != "night shift" {
		t.Errorf("GetGlobalVar() = %q, %v", v, err)
	}
	only, err := c.Asterisk().Info(ctx, InfoStatus)
	if err != nil {
		t.Fatal(err)
	}
	if only.Status == nil || only.System != nil {
		t.Errorf("Info(status) = %+v, want only status", only)
	}
}

func TestLiveErrors(t *testing.T) {
	c, app := liveClient(t)
	ctx := t.Context()
	_, err := c.Channels().Get(ctx, "no-such-"+app)
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusNotFound || e.Message == "" {
		t.Fatalf("Get(missing channel) = %v, want a 404 *Error with ARI's message", err)
	}
	t.Logf("ARI says: %v", err)
	if err := c.Channels().Hangup(ctx, "no-such-"+app, HangupNormal); err != nil {
		t.Errorf("Hangup(missing channel) = %v, want nil", err)
	}
	if err := c.Bridges().Destroy(ctx, "no-such-"+app); err != nil {
		t.Errorf("Destroy(missing bridge) = %v, want nil", err)
	}
	if _, err := c.Applications().Get(ctx, app); !IsNotFound(err) {
		t.Errorf("Applications.Get(unregistered) = %v, want 404", err)
	}
	bad, _ := NewClient(c.BaseURL(), "nobody", "wrong", WithLogger(discardLogger()))
	if _, err := bad.Asterisk().Ping(ctx); !IsUnauthorized(err) {
		t.Errorf("Ping with wrong credentials = %v, want 401", err)
	}
}

// TestLiveCallFlow drives a call the way the controller will: a channel is
// created into the application and dialed, answered, played to, bridged,
// recorded, and hung up, with the events that prove each step.
func TestLiveCallFlow(t *testing.T) {
	c, app := liveClient(t)
	ctx := t.Context()
	r := liveStream(t, c, app)
	chID, bridgeID, pbID := app+"-call", app+"-bridge", app+"-pb"
	t.Cleanup(func() {
		c.Channels().Hangup(context.Background(), chID, "")
		c.Bridges().Destroy(context.Background(), bridgeID)
	})

	// Create + dial, the way operators are rung: register the id, then call.
	ch, err := c.Channels().Create(ctx, CreateParams{Endpoint: "Local/echo@ikomek-test", App: app, AppArgs: "operator,op1", ChannelID: chID})
	if err != nil {
		t.Fatal(err)
	}
	if ch.ID != chID {
		t.Errorf("Create() id = %q, want %q", ch.ID, chID)
	}
	start := waitFor(t, r, func(e *StasisStart) bool { return e.Channel.ID == chID })
	if strings.Join(start.Args, ",") != "operator,op1" || start.Application != app {
		t.Errorf("StasisStart args = %q, app %q", start.Args, start.Application)
	}
	if err := c.Channels().Dial(ctx, chID, "", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, func(e *Dial) bool { return e.Peer.ID == chID && e.DialStatus == "ANSWER" })
	waitFor(t, r, func(e *ChannelStateChange) bool { return e.Channel.ID == chID && e.Channel.State == ChannelStateUp })
	if err := c.Channels().Answer(ctx, chID); err != nil {
		t.Errorf("Answer() on an answered channel = %v", err)
	}

	// Variables.
	if err := c.Channels().SetVariable(ctx, chID, "TICKET_ID", "T-42"); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Channels().GetVariable(ctx, chID, "TICKET_ID"); err != nil || v != "T-42" {
		t.Errorf("GetVariable() = %q, %v", v, err)
	}

	// Playback, with a client-chosen id.
	pb, err := c.Channels().Play(ctx, chID, PlayParams{Media: []string{"sound:beep"}, PlaybackID: pbID})
	if err != nil {
		t.Fatal(err)
	}
	if pb.ID != pbID || pb.TargetURI != "channel:"+chID {
		t.Errorf("Play() = %+v", pb)
	}
	waitFor(t, r, func(e *PlaybackStarted) bool { return e.Playback.ID == pbID })
	fin := waitFor(t, r, func(e *PlaybackFinished) bool { return e.Playback.ID == pbID })
	if fin.Playback.State != PlaybackStateDone {
		t.Errorf("PlaybackFinished state = %q, want done", fin.Playback.State)
	}

	// DTMF sent into the echo comes back.
	if err := c.Channels().SendDTMF(ctx, chID, "5", DTMFParams{}); err != nil {
		t.Fatal(err)
	}
	if d := waitFor(t, r, func(e *ChannelDtmfReceived) bool { return e.Channel.ID == chID }); d.Digit != "5" {
		t.Errorf("DTMF digit = %q, want 5", d.Digit)
	}

	// Bridge and record the conversation.
	b, err := c.Bridges().Create(ctx, CreateBridgeParams{Type: BridgeMixing, ID: bridgeID, Name: "call"})
	if err != nil {
		t.Fatal(err)
	}
	if b.ID != bridgeID || b.BridgeType != "mixing" {
		t.Errorf("Bridges.Create() = %+v", b)
	}
	if _, err := c.Bridges().Create(ctx, CreateBridgeParams{Type: BridgeMixing, ID: bridgeID}); !IsConflict(err) {
		t.Errorf("creating bridge %s twice = %v, want 409", bridgeID, err)
	}
	if err := c.Bridges().AddChannel(ctx, bridgeID, AddChannelParams{Channels: []string{chID}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, func(e *ChannelEnteredBridge) bool {
		return e.Bridge.ID == bridgeID && e.Channel != nil && e.Channel.ID == chID
	})
	if got, err := c.Bridges().Get(ctx, bridgeID); err != nil || len(got.Channels) != 1 || got.Channels[0] != chID {
		t.Errorf("Bridges.Get() = %+v, %v; want %s in it", got, err, chID)
	}

	recName := app + "/conversation"
	rec, err := c.Bridges().Record(ctx, bridgeID, RecordParams{Name: recName, Format: "wav", IfExists: "fail"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Recordings().DeleteStored(context.Background(), recName) })
	if rec.Name != recName || rec.TargetURI != "bridge:"+bridgeID {
		t.Errorf("Bridges.Record() = %+v", rec)
	}
	waitFor(t, r, func(e *RecordingStarted) bool { return e.Recording.Name == recName })
	for _, step := range []struct {
		name string
		do   func(context.Context, string) error
	}{{"Pause", c.Recordings().Pause}, {"Unpause", c.Recordings().Unpause}, {"Mute", c.Recordings().Mute}, {"Unmute", c.Recordings().Unmute}} {
		if err := step.do(ctx, recName); err != nil {
			t.Errorf("Recordings.%s() = %v", step.name, err)
		}
	}
	time.Sleep(1500 * time.Millisecond) // durations are whole seconds
	live, err := c.Recordings().GetLive(ctx, recName)
	if err != nil || live.State != RecordingStateRecording {
		t.Errorf("GetLive() = %+v, %v; want recording", live, err)
	}
	if err := c.Recordings().Stop(ctx, recName); err != nil {
		t.Fatal(err)
	}
	done := waitFor(t, r, func(e *RecordingFinished) bool { return e.Recording.Name == recName })
	if done.Recording.State != RecordingStateDone || done.Recording.Duration < 1 {
		t.Errorf("RecordingFinished = %+v, want done and >= 1 s", done.Recording)
	}

	stored, err := c.Recordings().GetStored(ctx, recName)
	if err != nil || stored.Format != "wav" {
		t.Fatalf("GetStored() = %+v, %v", stored, err)
	}
	file, err := c.Recordings().DownloadStored(ctx, recName)
	if err != nil {
		t.Fatal(err)
	}
	audio, err := io.ReadAll(file.Body)
	file.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(audio, []byte("RIFF")) || len(audio) < 8000 || file.ContentType != "audio/wav" {
		t.Errorf("downloaded %d bytes of %q starting %q; want over a second of RIFF audio/wav", len(audio), file.ContentType, audio[:min(len(audio), 4)])
	}
	copyName := recName + "-copy"
	t.Cleanup(func() { c.Recordings().DeleteStored(context.Background(), copyName) })
	if cp, err := c.Recordings().CopyStored(ctx, recName, copyName); err != nil || cp.Name != copyName {
		t.Errorf("CopyStored() = %+v, %v", cp, err)
	}
	if _, err := c.Recordings().CopyStored(ctx, recName, copyName); !IsConflict(err) {
		t.Errorf("CopyStored() onto an existing name = %v, want 409", err)
	}
	all, err := c.Recordings().ListStored(ctx)
	if err != nil || !hasRecording(all, recName) || !hasRecording(all, copyName) {
		t.Errorf("ListStored() lacks %s or its copy (err %v)", recName, err)
	}
	for _, name := range []string{recName, copyName} {
		if err := c.Recordings().DeleteStored(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Recordings().GetStored(ctx, recName); !IsNotFound(err) {
		t.Errorf("GetStored() after delete = %v, want 404", err)
	}

	// Announcements and music on hold for the whole bridge.
	bpb := app + "-bridge-pb"
	if _, err := c.Bridges().Play(ctx, bridgeID, PlayParams{Media: []string{"sound:beep"}, PlaybackID: bpb}); err != nil {
		t.Fatal(err)
	}
	if fin := waitFor(t, r, func(e *PlaybackFinished) bool { return e.Playback.ID == bpb }); fin.Playback.TargetURI != "bridge:"+bridgeID {
		t.Errorf("bridge playback target = %q", fin.Playback.TargetURI)
	}
	if err := c.Bridges().StartMOH(ctx, bridgeID, "default"); err != nil {
		t.Errorf("Bridges.StartMOH() = %v", err)
	}
	if err := c.Bridges().StopMOH(ctx, bridgeID); err != nil {
		t.Errorf("Bridges.StopMOH() = %v", err)
	}
	if bs, err := c.Bridges().List(ctx); err != nil || !hasBridge(bs, bridgeID) {
		t.Errorf("Bridges.List() lacks %s (err %v)", bridgeID, err)
	}

	if err := c.Bridges().RemoveChannel(ctx, bridgeID, chID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, func(e *ChannelLeftBridge) bool { return e.Bridge.ID == bridgeID && e.Channel.ID == chID })
	if err := c.Bridges().Destroy(ctx, bridgeID); err != nil {
		t.Fatal(err)
	}

	// Hang up.
	if err := c.Channels().Hangup(ctx, chID, HangupNormal); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, func(e *ChannelHangupRequest) bool { return e.Channel.ID == chID })
	waitFor(t, r, func(e *StasisEnd) bool { return e.Channel.ID == chID })
	gone := waitFor(t, r, func(e *ChannelDestroyed) bool { return e.Channel.ID == chID })
	if gone.Cause != 16 {
		t.Errorf("ChannelDestroyed cause = %d (%s), want 16", gone.Cause, gone.CauseTxt)
	}
	if _, err := c.Channels().Get(ctx, chID); !IsNotFound(err) {
		t.Errorf("Get() after hangup = %v, want 404", err)
	}
}

// TestLiveOriginate shows a channel originated with app= enters the
// application answered, with the variables given in the JSON body.
func TestLiveOriginate(t *testing.T) {
	c, app := liveClient(t)
	ctx := t.Context()
	r := liveStream(t, c, app)
	id := app + "-orig"
	t.Cleanup(func() { c.Channels().Hangup(context.Background(), id, "") })
	_, err := c.Channels().Originate(ctx, OriginateParams{
		Endpoint: "Local/echo@ikomek-test", App: app, AppArgs: "109", ChannelID: id,
		CallerID: `"Citizen" <77011234567>`, Variables: map[string]string{"CALL_ID": "c-42"},
	})
	if err != nil {
		t.Fatal(err)
	}
	start := waitFor(t, r, func(e *StasisStart) bool { return e.Channel.ID == id })
	if start.Channel.State != ChannelStateUp || len(start.Args) != 1 || start.Args[0] != "109" {
		t.Errorf("StasisStart = state %q args %q", start.Channel.State, start.Args)
	}
	if v, err := c.Channels().GetVariable(ctx, id, "CALL_ID"); err != nil || v != "c-42" {
		t.Errorf("variable from the originate body = %q, %v", v, err)
	}
	if err := c.Channels().StartMOH(ctx, id, ""); err != nil {
		t.Errorf("StartMOH() = %v", err)
	}
	if err := c.Channels().StopMOH(ctx, id); err != nil {
		t.Errorf("StopMOH() = %v", err)
	}
	chs, err := c.Channels().List(ctx)
	if err != nil || !hasChannel(chs, id) {
		t.Errorf("Channels.List() lacks %s (err %v)", id, err)
	}
	apps, err := c.Applications().List(ctx)
	if err != nil || !hasApp(apps, app) {
		t.Errorf("Applications.List() lacks %s (err %v)", app, err)
	}

	// A long playback can be looked at and stopped.
	pbID := id + "-long"
	if _, err := c.Channels().Play(ctx, id, PlayParams{Media: []string{"sound:beep", "sound:beep", "sound:beep", "sound:beep"}, PlaybackID: pbID}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, func(e *PlaybackStarted) bool { return e.Playback.ID == pbID })
	if pb, err := c.Playbacks().Get(ctx, pbID); err != nil || pb.State != PlaybackStatePlaying {
		t.Errorf("Playbacks.Get() = %+v, %v; want playing", pb, err)
	}
	if err := c.Playbacks().Stop(ctx, pbID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, func(e *PlaybackFinished) bool { return e.Playback.ID == pbID })
	if err := c.Playbacks().Stop(ctx, pbID); err != nil {
		t.Errorf("stopping a finished playback = %v, want nil", err)
	}

	// A supervisor's snoop channel enters the application too.
	snoopID := id + "-snoop"
	if _, err := c.Channels().Snoop(ctx, id, SnoopParams{Spy: DirectionBoth, App: app, AppArgs: "snoop", SnoopID: snoopID}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, func(e *StasisStart) bool { return e.Channel.ID == snoopID })
	if err := c.Channels().Hangup(ctx, snoopID, ""); err != nil {
		t.Errorf("hanging up the snoop: %v", err)
	}
	if err := c.Channels().Hangup(ctx, id, HangupNormal); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, func(e *ChannelDestroyed) bool { return e.Channel.ID == id })
}

// killableDialer opens TCP connections that the test can cut, the way a
// network failure would.
type killableDialer struct {
	mu    sync.Mutex
	conns []net.Conn
}

func (d *killableDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err == nil {
		d.mu.Lock()
		d.conns = append(d.conns, conn)
		d.mu.Unlock()
	}
	return conn, err
}

func (d *killableDialer) cutAll() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range d.conns {
		c.Close()
	}
	d.conns = nil
}

// TestLiveReconnect cuts the socket's TCP connection: the stream says
// Disconnected, reconnects, says Connected{Reconnect: true}, and the
// application is registered again.
func TestLiveReconnect(t *testing.T) {
	d := &killableDialer{}
	hc := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	c, app := liveClient(t, WithHTTPClient(hc))
	r := liveStream(t, c, app, WithBackoff(50*time.Millisecond, 200*time.Millisecond))
	d.cutAll()
	waitFor(t, r, func(*Disconnected) bool { return true })
	waitFor(t, r, func(e *Connected) bool { return e.Reconnect })
	if r.s.Reconnects() != 1 || r.s.State() != StreamConnected {
		t.Errorf("Reconnects() = %d, State() = %v", r.s.Reconnects(), r.s.State())
	}
	if _, err := c.Applications().Get(t.Context(), app); err != nil {
		t.Errorf("application not registered after reconnect: %v", err)
	}
	// New calls reach the application again.
	id := app + "-after"
	t.Cleanup(func() { c.Channels().Hangup(context.Background(), id, "") })
	if _, err := c.Channels().Create(t.Context(), CreateParams{Endpoint: "Local/echo@ikomek-test", App: app, ChannelID: id}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, func(e *StasisStart) bool { return e.Channel.ID == id })
}

// TestLiveApplicationReplaced opens two streams for one application: the
// older gets ApplicationReplaced and stops for good; the newer keeps it.
func TestLiveApplicationReplaced(t *testing.T) {
	c, app := liveClient(t)
	older := liveStream(t, c, app, WithBackoff(10*time.Millisecond, 10*time.Millisecond))
	newer := liveStream(t, c, app)
	waitFor(t, older, func(*ApplicationReplaced) bool { return true })
	select {
	case <-older.s.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("older stream did not stop")
	}
	if !errors.Is(older.s.Err(), ErrApplicationReplaced) || older.s.State() != StreamStopped {
		t.Errorf("older: Err() = %v, State() = %v", older.s.Err(), older.s.State())
	}
	time.Sleep(200 * time.Millisecond) // would be many reconnect attempts
	if newer.s.State() != StreamConnected {
		t.Errorf("newer: State() = %v, want connected", newer.s.State())
	}
	id := app + "-new"
	t.Cleanup(func() { c.Channels().Hangup(context.Background(), id, "") })
	if _, err := c.Channels().Create(t.Context(), CreateParams{Endpoint: "Local/echo@ikomek-test", App: app, ChannelID: id}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, newer, func(e *StasisStart) bool { return e.Channel.ID == id })
}

// TestLiveEndpointEvents provisions a PJSIP endpoint through the dynamic
// configuration API, as the controller does for operators, subscribes to
// it, and sees its contact and state change when a static contact is added
// and the objects are removed again.
func TestLiveEndpointEvents(t *testing.T) {
	c, app := liveClient(t)
	ctx := t.Context()
	ast := c.Asterisk()
	op := app + "-op"
	t.Cleanup(func() {
		for _, typ := range []string{"endpoint", "aor", "auth"} {
			ast.DeleteConfig(context.Background(), "res_pjsip", typ, op)
		}
	})
	mustConfig := func(typ string, fields ...ConfigTuple) []ConfigTuple {
		t.Helper()
		got, err := ast.UpdateConfig(ctx, "res_pjsip", typ, op, fields)
		if err != nil {
			t.Fatalf("UpdateConfig(%s): %v", typ, err)
		}
		return got
	}
	mustConfig("auth", ConfigTuple{"auth_type", "userpass"}, ConfigTuple{"username", op}, ConfigTuple{"password", "x-" + op})
	mustConfig("aor", ConfigTuple{"max_contacts", "1"})
	got := mustConfig("endpoint", ConfigTuple{"context", "from-operators"}, ConfigTuple{"disallow", "all"},
		ConfigTuple{"allow", "alaw"}, ConfigTuple{"auth", op}, ConfigTuple{"aors", op})
	if !hasTuple(got, "aors", op) {
		t.Errorf("UpdateConfig(endpoint) returned %v, want aors=%s among them", got, op)
	}
	if tuples, err := ast.GetConfig(ctx, "res_pjsip", "endpoint", op); err != nil || !hasTuple(tuples, "context", "from-operators") {
		t.Errorf("GetConfig(endpoint) = %v, %v", tuples, err)
	}
	if _, err := ast.GetConfig(ctx, "res_pjsip", "endpoint", "no-such-"+op); !IsNotFound(err) {
		t.Errorf("GetConfig(missing) = %v, want 404", err)
	}

	ep, err := c.Endpoints().Get(ctx, "PJSIP", op)
	if err != nil {
		t.Fatal(err)
	}
	if ep.State != EndpointStateOffline {
		t.Errorf("new endpoint state = %q, want offline", ep.State)
	}
	eps, err := c.Endpoints().ListByTech(ctx, "PJSIP")
	if err != nil || !hasEndpoint(eps, op) {
		t.Errorf("ListByTech(PJSIP) lacks %s (err %v)", op, err)
	}
	if eps, err = c.Endpoints().List(ctx); err != nil || !hasEndpoint(eps, op) {
		t.Errorf("Endpoints.List() lacks %s (err %v)", op, err)
	}
	if _, err := c.Endpoints().ListByTech(ctx, "NoSuchTech"); !IsNotFound(err) {
		t.Errorf("ListByTech(unknown tech) = %v, want 404", err)
	}

	r := liveStream(t, c, app)
	if _, err := c.Applications().Subscribe(ctx, app, EndpointSource("PJSIP", op)); err != nil {
		t.Fatal(err)
	}
	a, err := c.Applications().Get(ctx, app)
	if err != nil || len(a.EndpointIDs) != 1 || a.EndpointIDs[0] != "PJSIP/"+op {
		t.Errorf("Applications.Get() = %+v, %v; want the endpoint subscribed", a, err)
	}

	// A static contact makes the endpoint reachable without a softphone.
	mustConfig("aor", ConfigTuple{"max_contacts", "1"}, ConfigTuple{"contact", "sip:" + op + "@127.0.0.1:5999"})
	// Asterisk does not always send ContactStatusChange for a static contact before
	// the endpoint comes online (seen both ways), so only the endpoint is awaited.
	waitFor(t, r, func(e *EndpointStateChange) bool {
		return e.Endpoint.Resource == op && e.Endpoint.State == EndpointStateOnline
	})

	if _, err := c.Applications().Unsubscribe(ctx, app, EndpointSource("PJSIP", op)); err != nil {
		t.Errorf("Unsubscribe() = %v", err)
	}
	for _, typ := range []string{"endpoint", "aor", "auth"} {
		if err := ast.DeleteConfig(ctx, "res_pjsip", typ, op); err != nil {
			t.Errorf("DeleteConfig(%s) = %v", typ, err)
		}
	}
	// The configuration is gone at once. Asterisk usually drops the endpoint from its
	// list too, but now and then keeps it for as long as something inside still holds
	// it (seen here with the same client calls), so that is logged, not required.
	for _, typ := range []string{"endpoint", "aor", "auth"} {
		if _, err := ast.GetConfig(ctx, "res_pjsip", typ, op); !IsNotFound(err) {
			t.Errorf("GetConfig(%s) after delete = %v, want 404", typ, err)
		}
	}
	if _, err := c.Endpoints().Get(ctx, "PJSIP", op); !IsNotFound(err) {
		t.Logf("endpoint still listed right after its configuration was deleted: %v", err)
	}
}

func hasTuple(ts []ConfigTuple, attr, value string) bool {
	for _, t := range ts {
		if t.Attribute == attr && t.Value == value {
			return true
		}
	}
	return false
}

func hasEndpoint(eps []Endpoint, resource string) bool {
	for _, e := range eps {
		if e.Resource == resource {
			return true
		}
	}
	return false
}

// TestLiveDeviceStates sets a Stasis device's state, sees DeviceStateChanged
// for it, and deletes it.
func TestLiveDeviceStates(t *testing.T) {
	c, app := liveClient(t)
	ctx := t.Context()
	dev := "Stasis:" + app
	t.Cleanup(func() { c.DeviceStates().Delete(context.Background(), dev) })
	if err := c.DeviceStates().Update(ctx, dev, DeviceNotInUse); err != nil {
		t.Fatal(err)
	}
	r := liveStream(t, c, app)
	if _, err := c.Applications().Subscribe(ctx, app, DeviceStateSource(dev)); err != nil {
		t.Fatal(err)
	}
	if err := c.DeviceStates().Update(ctx, dev, DeviceInUse); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, func(e *DeviceStateChanged) bool {
		return e.DeviceState.Name == dev && e.DeviceState.State == DeviceInUse
	})
	if d, err := c.DeviceStates().Get(ctx, dev); err != nil || d.State != DeviceInUse {
		t.Errorf("Get() = %+v, %v", d, err)
	}
	if all, err := c.DeviceStates().List(ctx); err != nil || !hasDevice(all, dev) {
		t.Errorf("DeviceStates.List() lacks %s (err %v)", dev, err)
	}
	if err := c.DeviceStates().Update(ctx, "PJSIP/"+app, DeviceInUse); !IsConflict(err) {
		t.Errorf("Update(non-Stasis device) = %v, want 409", err)
	}
	if err := c.DeviceStates().Delete(ctx, dev); err != nil {
		t.Fatal(err)
	}
}

func hasChannel(chs []Channel, id string) bool {
	for _, c := range chs {
		if c.ID == id {
			return true
		}
	}
	return false
}

func hasBridge(bs []Bridge, id string) bool {
	for _, b := range bs {
		if b.ID == id {
			return true
		}
	}
	return false
}

func hasApp(apps []Application, name string) bool {
	for _, a := range apps {
		if a.Name == name {
			return true
		}
	}
	return false
}

func hasRecording(recs []StoredRecording, name string) bool {
	for _, r := range recs {
		if r.Name == name {
			return true
		}
	}
	return false
}

func hasDevice(ds []DeviceState, name string) bool {
	for _, d := range ds {
		if d.Name == name {
			return true
		}
	}
	return false
}
