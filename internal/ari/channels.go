package ari

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// Channel is a snapshot of an Asterisk channel (spec model Channel).
type Channel struct {
	ID           string            `json:"id"` // the channel's uniqueid
	ProtocolID   string            `json:"protocol_id"`
	Name         string            `json:"name"` // e.g. "PJSIP/op1-00000003"
	State        ChannelState      `json:"state"`
	Caller       CallerID          `json:"caller"`
	Connected    CallerID          `json:"connected"`
	AccountCode  string            `json:"accountcode"`
	Dialplan     DialplanCEP       `json:"dialplan"`
	CreationTime Time              `json:"creationtime"`
	Language     string            `json:"language"`
	ChannelVars  map[string]string `json:"channelvars,omitempty"`
	CallerRDNIS  string            `json:"caller_rdnis,omitempty"`
	TenantID     string            `json:"tenantid,omitempty"`
}

// ChannelState is a channel's state as ARI names it.
type ChannelState string

// Channel states.
const (
	ChannelStateDown           ChannelState = "Down"
	ChannelStateReserved       ChannelState = "Rsrved"
	ChannelStateOffHook        ChannelState = "OffHook"
	ChannelStateDialing        ChannelState = "Dialing"
	ChannelStateRing           ChannelState = "Ring"    // inbound, not answered yet
	ChannelStateRinging        ChannelState = "Ringing" // outbound, remote end ringing
	ChannelStateUp             ChannelState = "Up"      // answered
	ChannelStateBusy           ChannelState = "Busy"
	ChannelStateDialingOffhook ChannelState = "Dialing Offhook"
	ChannelStatePreRing        ChannelState = "Pre-ring"
	ChannelStateUnknown        ChannelState = "Unknown"
)

// CallerID is a name and number pair (spec model CallerID).
type CallerID struct {
	Name   string `json:"name"`
	Number string `json:"number"`
}

// DialplanCEP is a position in the dialplan (spec model DialplanCEP).
type DialplanCEP struct {
	Context  string `json:"context"`
	Exten    string `json:"exten"`
	Priority int64  `json:"priority"`
	AppName  string `json:"app_name"`
	AppData  string `json:"app_data"`
}

// Variable is the value of a channel, bridge or global variable (spec model
// Variable).
type Variable struct {
	Value string `json:"value"`
}

// HangupReason tells Asterisk which cause to signal when it hangs up a
// channel.
type HangupReason string

// Hangup reasons ARI accepts.
const (
	HangupNormal            HangupReason = "normal"
	HangupBusy              HangupReason = "busy"
	HangupCongestion        HangupReason = "congestion"
	HangupNoAnswer          HangupReason = "no_answer"
	HangupTimeout           HangupReason = "timeout"
	HangupRejected          HangupReason = "rejected"
	HangupUnallocated       HangupReason = "unallocated"
	HangupNormalUnspecified HangupReason = "normal_unspecified"
	HangupNumberIncomplete  HangupReason = "number_incomplete"
	HangupCodecMismatch     HangupReason = "codec_mismatch"
	HangupInterworking      HangupReason = "interworking"
	HangupFailure           HangupReason = "failure"
	HangupAnsweredElsewhere HangupReason = "answered_elsewhere"
)

// Direction selects audio directions for mute, snoop spy and snoop whisper.
type Direction string

// Audio directions. DirectionNone is valid only for snoop.
const (
	DirectionNone Direction = "none"
	DirectionBoth Direction = "both"
	DirectionIn   Direction = "in"
	DirectionOut  Direction = "out"
)

// OriginateParams describe a new outgoing channel for Channels.Originate.
// Endpoint is required; then either App (the channel enters Stasis when
// answered) or Extension/Context/Priority (or Label) in the dialplan.
type OriginateParams struct {
	Endpoint       string // e.g. "PJSIP/op1" or "Local/s@ctx"
	Extension      string
	Context        string
	Priority       int64
	Label          string
	App            string
	AppArgs        string // comma-separated, as StasisStart.Args will show them
	CallerID       string // e.g. `"109" <109>`
	Timeout        time.Duration
	Variables      map[string]string
	ChannelID      string // client-chosen id; register it before calling
	OtherChannelID string // id of the second half of a Local channel
	Originator     string // id of the channel that causes this one (linkedid)
	Formats        []string
}

// CreateParams describe a channel for Channels.Create, which creates it in
// Stasis without dialing; Channels.Dial then rings it. Endpoint and App are
// required.
type CreateParams struct {
	Endpoint       string
	App            string
	AppArgs        string
	ChannelID      string
	OtherChannelID string
	Originator     string
	Formats        []string
	Variables      map[string]string
}

// PlayParams describe media to play on a channel or bridge.
type PlayParams struct {
	// Media are URIs played in order: "sound:hello", "recording:NAME",
	// "number:3", "digits:109", "characters:abc", "tone:ring".
	Media      []string
	Lang       string        // e.g. "ru", "kk"
	Offset     time.Duration // start position in the first media
	Skip       time.Duration // step for forward/reverse control; zero = 3 s
	PlaybackID string        // client-chosen id; register it before calling
	// AnnouncerFormat is the format of the announcer channel; bridges only.
	AnnouncerFormat string
}

// RecordParams describe a live recording of a channel or bridge. Name and
// Format are required; Name may contain a relative directory.
type RecordParams struct {
	Name        string
	Format      string        // e.g. "wav"
	MaxDuration time.Duration // whole seconds; zero = no limit
	MaxSilence  time.Duration // whole seconds; zero = no limit
	IfExists    string        // "fail" (server default), "overwrite" or "append"
	Beep        bool
	TerminateOn string // DTMF that stops it: "none" (default), "any", "*", "#"
	// RecorderFormat is the format of the hidden recorder channel; bridges
	// only.
	RecorderFormat string
}

// SnoopParams describe a snoop channel (supervisor listen or whisper). App
// is required; the snoop channel enters Stasis there.
type SnoopParams struct {
	Spy     Direction // audio taken from the snooped channel; default none
	Whisper Direction // audio injected into it; default none
	App     string
	AppArgs string
	SnoopID string
}

// ContinueParams say where a channel resumes in the dialplan after leaving
// Stasis; empty fields keep the channel's current position.
type ContinueParams struct {
	Context   string
	Extension string
	Priority  int
	Label     string
}

// DTMFParams time a DTMF sequence; zero values take the server defaults
// (100 ms tones, 100 ms apart).
type DTMFParams struct {
	Before   time.Duration
	Between  time.Duration
	Duration time.Duration
	After    time.Duration
}

// Channels controls channels. Calls on a channel that does not exist fail
// with a 404 *Error; on a channel not in Stasis with 409 (or 422); media
// operations on an unanswered channel with 412. A nil error from Dial,
// Play, Record and the MOH calls means the request was accepted; the outcome
// arrives as events.
type Channels interface {
	// Get returns a snapshot of the channel.
	Get(ctx context.Context, id string) (*Channel, error)
	// List returns all active channels on the server, not only this
	// application's.
	List(ctx context.Context) ([]Channel, error)
	// Originate creates a channel and dials it; see OriginateParams.
	Originate(ctx context.Context, p OriginateParams) (*Channel, error)
	// Create creates a channel in Stasis without dialing it. It fails with
	// 500 "Allocation failed" for an unregistered endpoint.
	Create(ctx context.Context, p CreateParams) (*Channel, error)
	// Dial rings a channel made by Create. timeout <= 0 means no limit;
	// caller, if set, is the id of the channel on whose behalf it dials.
	Dial(ctx context.Context, id, caller string, timeout time.Duration) error
	// Answer answers the channel.
	Answer(ctx context.Context, id string) error
	// Ring sends ringing indication to the channel; RingStop ends it.
	Ring(ctx context.Context, id string) error
	RingStop(ctx context.Context, id string) error
	// Hangup hangs the channel up with reason ("" lets Asterisk choose). A
	// channel that is already gone (404) counts as success.
	Hangup(ctx context.Context, id string, reason HangupReason) error
	// Play starts media on the channel and returns the queued playback. It
	// stops music on hold on the channel.
	Play(ctx context.Context, id string, p PlayParams) (*Playback, error)
	// Record starts recording the channel. Recording a channel that is in a
	// bridge fails; record the bridge instead.
	Record(ctx context.Context, id string, p RecordParams) (*LiveRecording, error)
	// StartMOH plays music on hold of class ("" = default); StopMOH ends it.
	StartMOH(ctx context.Context, id, class string) error
	StopMOH(ctx context.Context, id string) error
	// StartSilence plays silence to the channel; StopSilence ends it.
	StartSilence(ctx context.Context, id string) error
	StopSilence(ctx context.Context, id string) error
	// Hold and Unhold signal hold to the channel.
	Hold(ctx context.Context, id string) error
	Unhold(ctx context.Context, id string) error
	// Mute and Unmute mute the channel's audio in direction dir ("" = both).
	Mute(ctx context.Context, id string, dir Direction) error
	Unmute(ctx context.Context, id string, dir Direction) error
	// SendDTMF sends digits (0-9, *, #, A-D, and ',' for a pause).
	SendDTMF(ctx context.Context, id, digits string, p DTMFParams) error
	// GetVariable returns the value of a channel variable or dialplan
	// function, e.g. "CALLERID(num)". An unset variable fails with 404.
	GetVariable(ctx context.Context, id, name string) (string, error)
	// SetVariable sets a channel variable.
	SetVariable(ctx context.Context, id, name, value string) error
	// Snoop creates a channel that listens to and/or whispers into the
	// channel; see SnoopParams.
	Snoop(ctx context.Context, id string, p SnoopParams) (*Channel, error)
	// ContinueInDialplan makes the channel leave Stasis and resume in the
	// dialplan.
	ContinueInDialplan(ctx context.Context, id string, p ContinueParams) error
	// Move hands the channel over to another Stasis application.
	Move(ctx context.Context, id, app, appArgs string) error
}

var _ Channels = (*channelsClient)(nil)

type channelsClient struct{ c *Client }

func (s *channelsClient) Get(ctx context.Context, id string) (*Channel, error) {
	var ch Channel
	err := s.c.do(ctx, call{method: http.MethodGet, path: escapedPath("/channels", id), out: &ch})
	if err != nil {
		return nil, err
	}
	return &ch, nil
}

func (s *channelsClient) List(ctx context.Context) ([]Channel, error) {
	var chs []Channel
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "/channels", out: &chs}); err != nil {
		return nil, err
	}
	return chs, nil
}

func (s *channelsClient) Originate(ctx context.Context, p OriginateParams) (*Channel, error) {
	q := params{}.str("endpoint", p.Endpoint).
		str("extension", p.Extension).str("context", p.Context).str("label", p.Label).
		str("app", p.App).str("appArgs", p.AppArgs).str("callerId", p.CallerID).
		str("channelId", p.ChannelID).str("otherChannelId", p.OtherChannelID).
		str("originator", p.Originator).list("formats", p.Formats)
	if p.Priority != 0 {
		q.str("priority", strconv.FormatInt(p.Priority, 10))
	}
	if p.Timeout < 0 {
		q.str("timeout", "-1")
	} else {
		q.seconds("timeout", p.Timeout)
	}
	var ch Channel
	err := s.c.do(ctx, call{method: http.MethodPost, path: "/channels", query: q.values(), body: varsBody(p.Variables), out: &ch})
	if err != nil {
		return nil, err
	}
	return &ch, nil
}

func (s *channelsClient) Create(ctx context.Context, p CreateParams) (*Channel, error) {
	q := params{}.str("endpoint", p.Endpoint).str("app", p.App).str("appArgs", p.AppArgs).
		str("channelId", p.ChannelID).str("otherChannelId", p.OtherChannelID).
		str("originator", p.Originator).list("formats", p.Formats)
	var ch Channel
	err := s.c.do(ctx, call{method: http.MethodPost, path: "/channels/create", query: q.values(), body: varsBody(p.Variables), out: &ch})
	if err != nil {
		return nil, err
	}
	return &ch, nil
}

func (s *channelsClient) Dial(ctx context.Context, id, caller string, timeout time.Duration) error {
	q := params{}.str("caller", caller).seconds("timeout", timeout)
	return s.post(ctx, id, "/dial", q)
}

func (s *channelsClient) Answer(ctx context.Context, id string) error {
	return s.post(ctx, id, "/answer", nil)
}

func (s *channelsClient) Ring(ctx context.Context, id string) error {
	return s.post(ctx, id, "/ring", nil)
}

func (s *channelsClient) RingStop(ctx context.Context, id string) error {
	return s.del(ctx, id, "/ring", nil)
}

func (s *channelsClient) Hangup(ctx context.Context, id string, reason HangupReason) error {
	q := params{}.str("reason", string(reason))
	return IgnoreNotFound(s.c.do(ctx, call{method: http.MethodDelete, path: escapedPath("/channels", id), query: q.values()}))
}

func (s *channelsClient) Play(ctx context.Context, id string, p PlayParams) (*Playback, error) {
	var pb Playback
	err := s.c.do(ctx, call{method: http.MethodPost, path: escapedPath("/channels", id, "/play"), query: p.query().values(), out: &pb})
	if err != nil {
		return nil, err
	}
	return &pb, nil
}

func (p PlayParams) query() params {
	return params{}.list("media", p.Media).str("lang", p.Lang).
		millis("offsetms", p.Offset).millis("skipms", p.Skip).
		str("playbackId", p.PlaybackID).str("announcer_format", p.AnnouncerFormat)
}

func (s *channelsClient) Record(ctx context.Context, id string, p RecordParams) (*LiveRecording, error) {
	var rec LiveRecording
	err := s.c.do(ctx, call{method: http.MethodPost, path: escapedPath("/channels", id, "/record"), query: p.query().values(), out: &rec})
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

func (p RecordParams) query() params {
	return params{}.str("name", p.Name).str("format", p.Format).
		seconds("maxDurationSeconds", p.MaxDuration).seconds("maxSilenceSeconds", p.MaxSilence).
		str("ifExists", p.IfExists).flag("beep", p.Beep).str("terminateOn", p.TerminateOn).
		str("recorder_format", p.RecorderFormat)
}

func (s *channelsClient) StartMOH(ctx context.Context, id, class string) error {
	return s.post(ctx, id, "/moh", params{}.str("mohClass", class))
}

func (s *channelsClient) StopMOH(ctx context.Context, id string) error {
	return s.del(ctx, id, "/moh", nil)
}

func (s *channelsClient) StartSilence(ctx context.Context, id string) error {
	return s.post(ctx, id, "/silence", nil)
}

func (s *channelsClient) StopSilence(ctx context.Context, id string) error {
	return s.del(ctx, id, "/silence", nil)
}

func (s *channelsClient) Hold(ctx context.Context, id string) error {
	return s.post(ctx, id, "/hold", nil)
}

func (s *channelsClient) Unhold(ctx context.Context, id string) error {
	return s.del(ctx, id, "/hold", nil)
}

func (s *channelsClient) Mute(ctx context.Context, id string, dir Direction) error {
	return s.post(ctx, id, "/mute", params{}.str("direction", string(dir)))
}

func (s *channelsClient) Unmute(ctx context.Context, id string, dir Direction) error {
	return s.del(ctx, id, "/mute", params{}.str("direction", string(dir)))
}

func (s *channelsClient) SendDTMF(ctx context.Context, id, digits string, p DTMFParams) error {
	q := params{}.str("dtmf", digits).millis("before", p.Before).millis("between", p.Between).
		millis("duration", p.Duration).millis("after", p.After)
	return s.post(ctx, id, "/dtmf", q)
}

func (s *channelsClient) GetVariable(ctx context.Context, id, name string) (string, error) {
	var v Variable
	err := s.c.do(ctx, call{method: http.MethodGet, path: escapedPath("/channels", id, "/variable"), query: params{}.str("variable", name).values(), out: &v})
	return v.Value, err
}

func (s *channelsClient) SetVariable(ctx context.Context, id, name, value string) error {
	// value is sent even when empty: an empty value clears the variable.
	q := params{}.str("variable", name)
	q.values().Set("value", value)
	return s.post(ctx, id, "/variable", q)
}

func (s *channelsClient) Snoop(ctx context.Context, id string, p SnoopParams) (*Channel, error) {
	q := params{}.str("spy", string(p.Spy)).str("whisper", string(p.Whisper)).
		str("app", p.App).str("appArgs", p.AppArgs).str("snoopId", p.SnoopID)
	var ch Channel
	err := s.c.do(ctx, call{method: http.MethodPost, path: escapedPath("/channels", id, "/snoop"), query: q.values(), out: &ch})
	if err != nil {
		return nil, err
	}
	return &ch, nil
}

func (s *channelsClient) ContinueInDialplan(ctx context.Context, id string, p ContinueParams) error {
	q := params{}.str("context", p.Context).str("extension", p.Extension).
		num("priority", p.Priority).str("label", p.Label)
	return s.post(ctx, id, "/continue", q)
}

func (s *channelsClient) Move(ctx context.Context, id, app, appArgs string) error {
	return s.post(ctx, id, "/move", params{}.str("app", app).str("appArgs", appArgs))
}

func (s *channelsClient) post(ctx context.Context, id, sub string, q params) error {
	return s.c.do(ctx, call{method: http.MethodPost, path: escapedPath("/channels", id, sub), query: q.values()})
}

func (s *channelsClient) del(ctx context.Context, id, sub string, q params) error {
	return s.c.do(ctx, call{method: http.MethodDelete, path: escapedPath("/channels", id, sub), query: q.values()})
}
