package ari

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// request is what the fake ARI server saw.
type request struct {
	Method string
	Path   string // escaped, as on the wire
	Query  url.Values
	Body   string
	Auth   string
	CType  string
}

// fakeREST is an httptest server standing in for ARI's REST side. Each
// request is recorded and answered by reply.
type fakeREST struct {
	*httptest.Server
	mu    sync.Mutex
	reqs  []request
	reply func(w http.ResponseWriter, r *http.Request)
}

func newFakeREST(tb testing.TB, reply func(w http.ResponseWriter, r *http.Request)) (*fakeREST, *Client) {
	tb.Helper()
	f := &fakeREST{reply: reply}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, request{
			Method: r.Method,
			Path:   strings.TrimPrefix(r.URL.EscapedPath(), "/ari"),
			Query:  r.URL.Query(),
			Body:   string(b),
			Auth:   r.Header.Get("Authorization"),
			CType:  r.Header.Get("Content-Type"),
		})
		reply := f.reply
		f.mu.Unlock()
		if reply != nil {
			reply(w, r)
			return
		}
		replyJSON(http.StatusOK, "null")(w, r) // fits every reply type
	}))
	tb.Cleanup(f.Close)
	c, err := NewClient(f.URL+"/ari/", "ikomek", "s3cret", WithLogger(discardLogger()), WithRequestTimeout(2*time.Second))
	if err != nil {
		tb.Fatal(err)
	}
	return f, c
}

func (f *fakeREST) setReply(reply func(w http.ResponseWriter, r *http.Request)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reply = reply
}

func (f *fakeREST) last(tb testing.TB) request {
	tb.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) == 0 {
		tb.Fatal("no request reached the server")
	}
	return f.reqs[len(f.reqs)-1]
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// replyJSON answers every request with status and body.
func replyJSON(status int, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func TestNewClient(t *testing.T) {
	for _, tc := range []struct {
		name, url, user string
		wantErr         bool
		wantBase        string
	}{
		{name: "trailing slash trimmed", url: "http://127.0.0.1:8088/ari/", user: "u", wantBase: "http://127.0.0.1:8088/ari"},
		{name: "https", url: "https://pbx.example/ari", user: "u", wantBase: "https://pbx.example/ari"},
		{name: "no scheme", url: "127.0.0.1:8088/ari", user: "u", wantErr: true},
		{name: "websocket scheme", url: "ws://127.0.0.1:8088/ari", user: "u", wantErr: true},
		{name: "query", url: "http://h/ari?x=1", user: "u", wantErr: true},
		{name: "empty user", url: "http://h/ari", user: "", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewClient(tc.url, tc.user, "p")
			if tc.wantErr {
				if err == nil {
					t.Fatalf("NewClient(%q) = nil error, want one", tc.url)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.BaseURL() != tc.wantBase {
				t.Errorf("BaseURL() = %q, want %q", c.BaseURL(), tc.wantBase)
			}
		})
	}
}

func TestRequestsHaveBasicAuth(t *testing.T) {
	f, c := newFakeREST(t, replyJSON(200, `{"ping":"pong","asterisk_id":"02:1c","timestamp":"x"}`))
	p, err := c.Asterisk().Ping(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if p.Ping != "pong" || p.AsteriskID != "02:1c" {
		t.Errorf("Ping() = %+v", p)
	}
	r := f.last(t)
	want := "Basic " + "aWtvbWVrOnMzY3JldA==" // ikomek:s3cret
	if r.Auth != want {
		t.Errorf("Authorization = %q, want %q", r.Auth, want)
	}
}

// TestRequestShapes checks method, escaped path, query string and JSON body
// of the calls, against what ARI's spec asks for.
func TestRequestShapes(t *testing.T) {
	ctx := t.Context()
	f, c := newFakeREST(t, nil)
	for _, tc := range []struct {
		name  string
		do    func() error
		want  request
		query map[string]string // exact query; nil means none
	}{
		{
			name: "originate into Stasis with variables",
			do: func() error {
				_, err := c.Channels().Originate(ctx, OriginateParams{
					Endpoint: "Local/s@ikomek-test", App: "ikomek", AppArgs: "109,ru",
					CallerID: `"109" <109>`, Timeout: 20 * time.Second, ChannelID: "call-1",
					Formats: []string{"alaw", "ulaw"}, Variables: map[string]string{"CALL_ID": "42"},
				})
				return err
			},
			want:  request{Method: "POST", Path: "/channels", Body: `{"variables":{"CALL_ID":"42"}}`, CType: "application/json"},
			query: map[string]string{"endpoint": "Local/s@ikomek-test", "app": "ikomek", "appArgs": "109,ru", "callerId": `"109" <109>`, "timeout": "20", "channelId": "call-1", "formats": "alaw,ulaw"},
		},
		{
			name: "originate into the dialplan, no timeout",
			do: func() error {
				_, err := c.Channels().Originate(ctx, OriginateParams{Endpoint: "PJSIP/op1", Context: "ctx", Extension: "100", Priority: 1, Timeout: -1})
				return err
			},
			want:  request{Method: "POST", Path: "/channels"},
			query: map[string]string{"endpoint": "PJSIP/op1", "context": "ctx", "extension": "100", "priority": "1", "timeout": "-1"},
		},
		{
			name: "create",
			do: func() error {
				_, err := c.Channels().Create(ctx, CreateParams{Endpoint: "PJSIP/op1", App: "ikomek", AppArgs: "operator", ChannelID: "op-leg-1", Originator: "call-1"})
				return err
			},
			want:  request{Method: "POST", Path: "/channels/create"},
			query: map[string]string{"endpoint": "PJSIP/op1", "app": "ikomek", "appArgs": "operator", "channelId": "op-leg-1", "originator": "call-1"},
		},
		{
			name:  "dial with timeout",
			do:    func() error { return c.Channels().Dial(ctx, "op-leg-1", "call-1", 20*time.Second) },
			want:  request{Method: "POST", Path: "/channels/op-leg-1/dial"},
			query: map[string]string{"caller": "call-1", "timeout": "20"},
		},
		{
			name: "path ids are escaped",
			do:   func() error { return c.Channels().Answer(ctx, "a/b c?d%e") },
			want: request{Method: "POST", Path: "/channels/a%2Fb%20c%3Fd%25e/answer"},
		},
		{
			name: "ring", do: func() error { return c.Channels().Ring(ctx, "c1") },
			want: request{Method: "POST", Path: "/channels/c1/ring"},
		},
		{
			name: "ring stop", do: func() error { return c.Channels().RingStop(ctx, "c1") },
			want: request{Method: "DELETE", Path: "/channels/c1/ring"},
		},
		{
			name:  "hangup with reason",
			do:    func() error { return c.Channels().Hangup(ctx, "c1", HangupBusy) },
			want:  request{Method: "DELETE", Path: "/channels/c1"},
			query: map[string]string{"reason": "busy"},
		},
		{
			name: "play several media with id",
			do: func() error {
				_, err := c.Channels().Play(ctx, "c1", PlayParams{Media: []string{"sound:queue-youarenext", "number:3", "digits:109"}, Lang: "ru", PlaybackID: "pb-1", Offset: 1500 * time.Millisecond})
				return err
			},
			want:  request{Method: "POST", Path: "/channels/c1/play"},
			query: map[string]string{"media": "sound:queue-youarenext,number:3,digits:109", "lang": "ru", "playbackId": "pb-1", "offsetms": "1500"},
		},
		{
			name:  "channel moh",
			do:    func() error { return c.Channels().StartMOH(ctx, "c1", "default") },
			want:  request{Method: "POST", Path: "/channels/c1/moh"},
			query: map[string]string{"mohClass": "default"},
		},
		{
			name: "channel moh stop", do: func() error { return c.Channels().StopMOH(ctx, "c1") },
			want: request{Method: "DELETE", Path: "/channels/c1/moh"},
		},
		{
			name: "silence", do: func() error { return c.Channels().StartSilence(ctx, "c1") },
			want: request{Method: "POST", Path: "/channels/c1/silence"},
		},
		{
			name: "silence stop", do: func() error { return c.Channels().StopSilence(ctx, "c1") },
			want: request{Method: "DELETE", Path: "/channels/c1/silence"},
		},
		{
			name:  "set variable, empty value kept",
			do:    func() error { return c.Channels().SetVariable(ctx, "c1", "TICKET_ID", "") },
			want:  request{Method: "POST", Path: "/channels/c1/variable"},
			query: map[string]string{"variable": "TICKET_ID", "value": ""},
		},
		{
			name: "snoop",
			do: func() error {
				_, err := c.Channels().Snoop(ctx, "c1", SnoopParams{Spy: DirectionBoth, Whisper: DirectionNone, App: "ikomek", SnoopID: "snoop-1"})
				return err
			},
			want:  request{Method: "POST", Path: "/channels/c1/snoop"},
			query: map[string]string{"spy": "both", "whisper": "none", "app": "ikomek", "snoopId": "snoop-1"},
		},
		{
			name: "channel record",
			do: func() error {
				_, err := c.Channels().Record(ctx, "c1", RecordParams{Name: "2025/05/c1", Format: "wav", MaxDuration: 90 * time.Second, IfExists: "overwrite", Beep: true, TerminateOn: "#"})
				return err
			},
			want:  request{Method: "POST", Path: "/channels/c1/record"},
			query: map[string]string{"name": "2025/05/c1", "format": "wav", "maxDurationSeconds": "90", "ifExists": "overwrite", "beep": "true", "terminateOn": "#"},
		},
		{
			name: "continue in dialplan",
			do: func() error {
				return c.Channels().ContinueInDialplan(ctx, "c1", ContinueParams{Context: "fallback", Extension: "s", Priority: 1})
			},
			want:  request{Method: "POST", Path: "/channels/c1/continue"},
			query: map[string]string{"context": "fallback", "extension": "s", "priority": "1"},
		},
		{
			name:  "mute",
			do:    func() error { return c.Channels().Mute(ctx, "c1", DirectionIn) },
			want:  request{Method: "POST", Path: "/channels/c1/mute"},
			query: map[string]string{"direction": "in"},
		},
		{
			name: "unmute both by default", do: func() error { return c.Channels().Unmute(ctx, "c1", "") },
			want: request{Method: "DELETE", Path: "/channels/c1/mute"},
		},
		{
			name: "dtmf",
			do: func() error {
				return c.Channels().SendDTMF(ctx, "c1", "12#", DTMFParams{Between: 200 * time.Millisecond})
			},
			want:  request{Method: "POST", Path: "/channels/c1/dtmf"},
			query: map[string]string{"dtmf": "12#", "between": "200"},
		},
		{
			name:  "move",
			do:    func() error { return c.Channels().Move(ctx, "c1", "ikomek-standby", "x") },
			want:  request{Method: "POST", Path: "/channels/c1/move"},
			query: map[string]string{"app": "ikomek-standby", "appArgs": "x"},
		},
		{
			name: "bridge create",
			do: func() error {
				_, err := c.Bridges().Create(ctx, CreateBridgeParams{Type: BridgeMixing + "," + BridgeDTMFEvents, ID: "call-1", Name: "call 1"})
				return err
			},
			want:  request{Method: "POST", Path: "/bridges"},
			query: map[string]string{"type": "mixing,dtmf_events", "bridgeId": "call-1", "name": "call 1"},
		},
		{
			name: "add channels with options",
			do: func() error {
				return c.Bridges().AddChannel(ctx, "b1", AddChannelParams{Channels: []string{"c1", "c2"}, Role: RoleParticipant, AbsorbDTMF: true, Mute: true})
			},
			want:  request{Method: "POST", Path: "/bridges/b1/addChannel"},
			query: map[string]string{"channel": "c1,c2", "role": "participant", "absorbDTMF": "true", "mute": "true"},
		},
		{
			name:  "remove channel",
			do:    func() error { return c.Bridges().RemoveChannel(ctx, "b1", "c1") },
			want:  request{Method: "POST", Path: "/bridges/b1/removeChannel"},
			query: map[string]string{"channel": "c1"},
		},
		{
			name: "bridge record",
			do: func() error {
				_, err := c.Bridges().Record(ctx, "b1", RecordParams{Name: "calls/b1", Format: "wav", IfExists: "fail"})
				return err
			},
			want:  request{Method: "POST", Path: "/bridges/b1/record"},
			query: map[string]string{"name": "calls/b1", "format": "wav", "ifExists": "fail"},
		},
		{
			name:  "bridge moh",
			do:    func() error { return c.Bridges().StartMOH(ctx, "b1", "") },
			want:  request{Method: "POST", Path: "/bridges/b1/moh"},
			query: nil,
		},
		{
			name: "hold", do: func() error { return c.Channels().Hold(ctx, "c1") },
			want: request{Method: "POST", Path: "/channels/c1/hold"},
		},
		{
			name: "unhold", do: func() error { return c.Channels().Unhold(ctx, "c1") },
			want: request{Method: "DELETE", Path: "/channels/c1/hold"},
		},
		{
			name: "live recording pause", do: func() error { return c.Recordings().Pause(ctx, "r1") },
			want: request{Method: "POST", Path: "/recordings/live/r1/pause"},
		},
		{
			name: "live recording mute", do: func() error { return c.Recordings().Mute(ctx, "r1") },
			want: request{Method: "POST", Path: "/recordings/live/r1/mute"},
		},
		{
			name: "live recording unmute", do: func() error { return c.Recordings().Unmute(ctx, "r1") },
			want: request{Method: "DELETE", Path: "/recordings/live/r1/mute"},
		},
		{
			name: "live recording cancel discards", do: func() error { return c.Recordings().Cancel(ctx, "r1") },
			want: request{Method: "DELETE", Path: "/recordings/live/r1"},
		},
		{
			name: "endpoints", do: func() error { _, err := c.Endpoints().List(ctx); return err },
			want: request{Method: "GET", Path: "/endpoints"},
		},
		{
			name: "device states", do: func() error { _, err := c.DeviceStates().List(ctx); return err },
			want: request{Method: "GET", Path: "/deviceStates"},
		},
		{
			name: "subscribe to a channel and a bridge",
			do: func() error {
				_, err := c.Applications().Subscribe(ctx, "ikomek", ChannelSource("c1"), BridgeSource("b1"))
				return err
			},
			want:  request{Method: "POST", Path: "/applications/ikomek/subscription"},
			query: map[string]string{"eventSource": "channel:c1,bridge:b1"},
		},
		{
			name:  "get global variable",
			do:    func() error { _, err := c.Asterisk().GetGlobalVar(ctx, "IKOMEK_APP"); return err },
			want:  request{Method: "GET", Path: "/asterisk/variable"},
			query: map[string]string{"variable": "IKOMEK_APP"},
		},
		{
			name:  "playback control",
			do:    func() error { return c.Playbacks().Control(ctx, "pb-1", PlaybackPause) },
			want:  request{Method: "POST", Path: "/playbacks/pb-1/control"},
			query: map[string]string{"operation": "pause"},
		},
		{
			name: "live recording stop keeps the name's slash inside one segment",
			do:   func() error { return c.Recordings().Stop(ctx, "calls/b1") },
			want: request{Method: "POST", Path: "/recordings/live/calls%2Fb1/stop"},
		},
		{
			name: "live recording unpause", do: func() error { return c.Recordings().Unpause(ctx, "r1") },
			want: request{Method: "DELETE", Path: "/recordings/live/r1/pause"},
		},
		{
			name: "copy stored",
			do: func() error {
				_, err := c.Recordings().CopyStored(ctx, "r1", "archive/r1")
				return err
			},
			want:  request{Method: "POST", Path: "/recordings/stored/r1/copy"},
			query: map[string]string{"destinationRecordingName": "archive/r1"},
		},
		{
			name: "endpoint get",
			do: func() error {
				_, err := c.Endpoints().Get(ctx, "PJSIP", "op 1")
				return err
			},
			want: request{Method: "GET", Path: "/endpoints/PJSIP/op%201"},
		},
		{
			name: "subscribe to several sources",
			do: func() error {
				_, err := c.Applications().Subscribe(ctx, "ikomek", EndpointSource("PJSIP", "op1"), DeviceStateSource("Stasis:op1"))
				return err
			},
			want:  request{Method: "POST", Path: "/applications/ikomek/subscription"},
			query: map[string]string{"eventSource": "endpoint:PJSIP/op1,deviceState:Stasis:op1"},
		},
		{
			name: "unsubscribe",
			do: func() error {
				_, err := c.Applications().Unsubscribe(ctx, "ikomek", EndpointSource("PJSIP", ""))
				return err
			},
			want:  request{Method: "DELETE", Path: "/applications/ikomek/subscription"},
			query: map[string]string{"eventSource": "endpoint:PJSIP"},
		},
		{
			name:  "device state update",
			do:    func() error { return c.DeviceStates().Update(ctx, "Stasis:op1", DeviceInUse) },
			want:  request{Method: "PUT", Path: "/deviceStates/Stasis:op1"},
			query: map[string]string{"deviceState": "INUSE"},
		},
		{
			name: "info sections",
			do: func() error {
				_, err := c.Asterisk().Info(ctx, InfoSystem, InfoBuild)
				return err
			},
			want:  request{Method: "GET", Path: "/asterisk/info"},
			query: map[string]string{"only": "system,build"},
		},
		{
			name:  "global variable",
			do:    func() error { return c.Asterisk().SetGlobalVar(ctx, "IKOMEK_MODE", "night") },
			want:  request{Method: "POST", Path: "/asterisk/variable"},
			query: map[string]string{"variable": "IKOMEK_MODE", "value": "night"},
		},
		{
			name: "dynamic config update",
			do: func() error {
				_, err := c.Asterisk().UpdateConfig(ctx, "res_pjsip", "auth", "op1", []ConfigTuple{{"auth_type", "userpass"}, {"username", "op1"}})
				return err
			},
			want: request{Method: "PUT", Path: "/asterisk/config/dynamic/res_pjsip/auth/op1", CType: "application/json",
				Body: `{"fields":[{"attribute":"auth_type","value":"userpass"},{"attribute":"username","value":"op1"}]}`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.do(); err != nil {
				t.Fatal(err)
			}
			got := f.last(t)
			if got.Method != tc.want.Method || got.Path != tc.want.Path {
				t.Errorf("request = %s %s, want %s %s", got.Method, got.Path, tc.want.Method, tc.want.Path)
			}
			if got.Body != tc.want.Body {
				t.Errorf("body = %q, want %q", got.Body, tc.want.Body)
			}
			if got.CType != tc.want.CType {
				t.Errorf("Content-Type = %q, want %q", got.CType, tc.want.CType)
			}
			gotQ := map[string]string{}
			for k, v := range got.Query {
				if len(v) != 1 {
					t.Errorf("query %s has %d values %q, want one (lists are comma-joined)", k, len(v), v)
				}
				gotQ[k] = v[0]
			}
			wantQ := tc.query
			if wantQ == nil {
				wantQ = map[string]string{}
			}
			if !reflect.DeepEqual(gotQ, wantQ) {
				t.Errorf("query = %v, want %v", gotQ, wantQ)
			}
		})
	}
}

func TestRepliesAreDecoded(t *testing.T) {
	const channel = `{"id":"1716-1.2","name":"PJSIP/citizens-00000001","state":"Ring",
		"protocol_id":"abc","caller":{"name":"","number":"77011234567"},"connected":{"name":"","number":""},
		"accountcode":"","dialplan":{"context":"from-citizens","exten":"109","priority":2,"app_name":"Stasis","app_data":"ikomek,109"},
		"creationtime":"2025-05-14T10:03:07.512+0500","language":"ru"}`
	_, c := newFakeREST(t, replyJSON(200, channel))
	ch, err := c.Channels().Get(t.Context(), "1716-1.2")
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2025, 5, 14, 10, 3, 7, 512e6, time.FixedZone("", 5*3600))
	if ch.State != ChannelStateRing || ch.Caller.Number != "77011234567" || ch.Dialplan.Priority != 2 || !ch.CreationTime.Equal(want) {
		t.Errorf("Get() = %+v", ch)
	}
}

func TestErrorsCarryARIMessage(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  int
		body    string
		wantMsg string
		is      func(error) bool
	}{
		{"404 json", 404, `{"message":"Channel not found"}`, "Channel not found", IsNotFound},
		{"409 json", 409, `{"message":"Channel not in Stasis application"}`, "Channel not in Stasis application", IsConflict},
		{"412", 412, `{"message":"Channel in invalid state"}`, "Channel in invalid state", IsPreconditionFailed},
		{"422", 422, `{"message":"Channel not in Stasis application"}`, "Channel not in Stasis application", IsUnprocessable},
		{"400 json", 400, `{"error":"Invalid parameter","message":""}`, "Invalid parameter", IsBadRequest},
		{"401 raw body", 401, "Authentication required\n", "Authentication required", IsUnauthorized},
		{"500 allocation", 500, `{"message":"Allocation failed"}`, "Allocation failed", IsServerError},
		{"503 empty body", 503, "", "Service Unavailable", IsServerError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newFakeREST(t, replyJSON(tc.status, tc.body))
			err := c.Channels().Answer(t.Context(), "c/1")
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Answer() error = %v (%T), want *Error", err, err)
			}
			want := Error{Method: "POST", Path: "/channels/c%2F1/answer", Status: tc.status, Message: tc.wantMsg}
			if *e != want {
				t.Errorf("error = %#v, want %#v", *e, want)
			}
			if !tc.is(err) {
				t.Errorf("status predicate false for %v", err)
			}
			if StatusCode(err) != tc.status {
				t.Errorf("StatusCode() = %d, want %d", StatusCode(err), tc.status)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("Error() = %q lacks ARI's message %q", err.Error(), tc.wantMsg)
			}
		})
	}
}

func TestCleanupCallsTreatNotFoundAsSuccess(t *testing.T) {
	ctx := t.Context()
	_, c := newFakeREST(t, replyJSON(404, `{"message":"not found"}`))
	for name, cleanup := range map[string]func() error{
		"Channels.Hangup":        func() error { return c.Channels().Hangup(ctx, "c1", HangupNormal) },
		"Bridges.Destroy":        func() error { return c.Bridges().Destroy(ctx, "b1") },
		"Playbacks.Stop":         func() error { return c.Playbacks().Stop(ctx, "p1") },
		"Recordings.Cancel":      func() error { return c.Recordings().Cancel(ctx, "r1") },
		"Recordings.DeleteStore": func() error { return c.Recordings().DeleteStored(ctx, "r1") },
		"DeviceStates.Delete":    func() error { return c.DeviceStates().Delete(ctx, "Stasis:x") },
		"Asterisk.DeleteConfig":  func() error { return c.Asterisk().DeleteConfig(ctx, "res_pjsip", "aor", "op1") },
	} {
		if err := cleanup(); err != nil {
			t.Errorf("%s on a missing object = %v, want nil", name, err)
		}
	}
	// Other calls still report it.
	if err := c.Recordings().Stop(ctx, "r1"); !IsNotFound(err) {
		t.Errorf("Recordings.Stop on a missing recording = %v, want 404", err)
	}
	if _, err := c.Bridges().Get(ctx, "b1"); !IsNotFound(err) {
		t.Errorf("Bridges.Get on a missing bridge = %v, want 404", err)
	}
}

func TestRequestTimeout(t *testing.T) {
	release := make(chan struct{})
	f := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer f.Close()
	defer close(release)
	c, err := NewClient(f.URL+"/ari", "u", "p", WithRequestTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	err = c.Channels().Answer(t.Context(), "c1")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Answer() against a stuck server = %v, want DeadlineExceeded", err)
	}
	if StatusCode(err) != 0 {
		t.Errorf("StatusCode(timeout) = %d, want 0", StatusCode(err))
	}
	if !strings.Contains(err.Error(), "POST /channels/c1/answer") {
		t.Errorf("error %q does not name the call", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Answer() took %v with a 50ms timeout", d)
	}

	// A shorter context deadline wins over the client's timeout.
	c2, _ := NewClient(f.URL+"/ari", "u", "p", WithRequestTimeout(time.Hour))
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := c2.Channels().Answer(ctx, "c1"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Answer() with a 50ms context = %v, want DeadlineExceeded", err)
	}
}

func TestBadReplyBody(t *testing.T) {
	_, c := newFakeREST(t, replyJSON(200, `{"id": 5`))
	_, err := c.Bridges().Get(t.Context(), "b1")
	if err == nil || !strings.Contains(err.Error(), "decoding reply") {
		t.Errorf("Get() with truncated JSON = %v, want a decoding error", err)
	}
}

func TestGetVariable(t *testing.T) {
	f, c := newFakeREST(t, replyJSON(200, `{"value":"T-2025-000042"}`))
	v, err := c.Channels().GetVariable(t.Context(), "c1", "TICKET_ID")
	if err != nil || v != "T-2025-000042" {
		t.Fatalf("GetVariable() = %q, %v", v, err)
	}
	if r := f.last(t); r.Method != "GET" || r.Path != "/channels/c1/variable" || r.Query.Get("variable") != "TICKET_ID" {
		t.Errorf("request = %+v", r)
	}
}

func TestDownloadStored(t *testing.T) {
	audio := "RIFF....WAVEfmt " + strings.Repeat("x", 10000)
	f, c := newFakeREST(t, func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.EscapedPath(), "/file") {
			replyJSON(404, `{"message":"Recording not found"}`)(w, r)
			return
		}
		w.Header().Set("Content-Type", "audio/wav")
		w.Header().Set("Content-Length", "10016")
		io.WriteString(w, audio)
	})
	file, err := c.Recordings().DownloadStored(t.Context(), "calls/c1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(file.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := file.Body.Close(); err != nil {
		t.Fatal(err)
	}
	if string(b) != audio || file.ContentType != "audio/wav" || file.ContentLength != int64(len(audio)) {
		t.Errorf("DownloadStored() = %d bytes, type %q, length %d", len(b), file.ContentType, file.ContentLength)
	}
	if r := f.last(t); r.Path != "/recordings/stored/calls%2Fc1/file" {
		t.Errorf("path = %q", r.Path)
	}

	f.setReply(replyJSON(404, `{"message":"Recording not found"}`))
	if _, err := c.Recordings().DownloadStored(t.Context(), "gone"); !IsNotFound(err) || !strings.Contains(err.Error(), "Recording not found") {
		t.Errorf("DownloadStored(missing) = %v, want 404 with ARI's message", err)
	}
}

// TestDownloadStoredTimeout shows the request timeout bounds the wait for
// headers but not the streaming of a long file.
func TestDownloadStoredTimeout(t *testing.T) {
	const timeout = 100 * time.Millisecond
	var slowHeaders atomic.Bool
	slowHeaders.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slowHeaders.Load() {
			select {
			case <-time.After(10 * time.Second):
			case <-r.Context().Done():
			}
			return
		}
		w.Header().Set("Content-Type", "audio/wav")
		w.WriteHeader(200)
		for range 4 { // 4 chunks over ~3 timeouts
			io.WriteString(w, "RIFF")
			w.(http.Flusher).Flush()
			time.Sleep(timeout * 3 / 4)
		}
	}))
	defer srv.Close()
	c, _ := NewClient(srv.URL+"/ari", "u", "p", WithRequestTimeout(timeout))

	if _, err := c.Recordings().DownloadStored(t.Context(), "r"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("DownloadStored() with slow headers = %v, want DeadlineExceeded", err)
	}
	slowHeaders.Store(false)
	file, err := c.Recordings().DownloadStored(t.Context(), "r")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Body.Close()
	b, err := io.ReadAll(file.Body)
	if err != nil || string(b) != "RIFFRIFFRIFFRIFF" {
		t.Errorf("slow body = %q, %v; want it all", b, err)
	}
}

func TestTimeJSON(t *testing.T) {
	for _, in := range []string{`"2025-05-14T10:03:07.512+0500"`, `"2025-05-14T10:03:07.512+05:00"`, `"2025-05-14T10:03:07+0500"`} {
		var tm Time
		if err := json.Unmarshal([]byte(in), &tm); err != nil {
			t.Fatalf("Unmarshal(%s): %v", in, err)
		}
		if tm.Unix() != time.Date(2025, 5, 14, 5, 3, 7, 0, time.UTC).Unix() {
			t.Errorf("Unmarshal(%s) = %v", in, tm)
		}
	}
	var tm Time
	if err := json.Unmarshal([]byte(`"yesterday"`), &tm); err == nil {
		t.Error("Unmarshal of a bad date succeeded")
	}
	if err := json.Unmarshal([]byte(`""`), &tm); err != nil || !tm.IsZero() {
		t.Errorf(`Unmarshal("") = %v, %v; want zero`, tm, err)
	}
	b, _ := json.Marshal(Time{time.Date(2025, 5, 14, 10, 3, 7, 512e6, time.FixedZone("", 5*3600))})
	if string(b) != `"2025-05-14T10:03:07.512+0500"` {
		t.Errorf("Marshal = %s", b)
	}
}
