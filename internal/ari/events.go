package ari

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Event is anything delivered on an EventStream: an ARI event decoded into
// its typed struct (*StasisStart, *ChannelDestroyed...), an *Unknown, or one
// of the stream's own *Connected and *Disconnected. Use a type switch.
type Event interface {
	// Header returns the fields every event carries.
	Header() *EventHeader
}

// EventHeader holds the fields common to all ARI events (spec models
// Message and Event).
type EventHeader struct {
	Type        string `json:"type"`
	Application string `json:"application"`
	Timestamp   Time   `json:"timestamp,omitzero"`
	// AsteriskID is the server's entity id; key resources by (AsteriskID, id)
	// when several servers are used.
	AsteriskID string `json:"asterisk_id,omitempty"`
}

// Header returns h, so that every event embedding EventHeader is an Event.
func (h *EventHeader) Header() *EventHeader { return h }

// Unknown is an event of a type this package does not model, or (with Err
// set) one that could not be decoded. Raw keeps the JSON as received.
type Unknown struct {
	EventHeader
	Raw json.RawMessage
	Err error // why decoding failed; nil for an unmodelled type
}

// StasisStart: a channel entered the application. Args are the arguments
// given to Stasis() or appArgs; ReplaceChannel is set when the channel
// replaces one the application owned (e.g. after a transfer).
type StasisStart struct {
	EventHeader
	Args           []string `json:"args"`
	Channel        Channel  `json:"channel"`
	ReplaceChannel *Channel `json:"replace_channel,omitempty"`
}

// StasisEnd: a channel left the application (hung up or continued in the
// dialplan).
type StasisEnd struct {
	EventHeader
	Channel Channel `json:"channel"`
}

// ChannelCreated: a channel was created.
type ChannelCreated struct {
	EventHeader
	Channel Channel `json:"channel"`
}

// ChannelDestroyed: a channel is gone. Cause is the Q.850 cause: 16 normal
// clearing, 17 busy, 19 no answer, 21 rejected...
type ChannelDestroyed struct {
	EventHeader
	Cause     int     `json:"cause"`
	CauseTxt  string  `json:"cause_txt"`
	TechCause int     `json:"tech_cause,omitempty"`
	Channel   Channel `json:"channel"`
}

// ChannelStateChange: a channel's state changed; State "Up" means answered.
type ChannelStateChange struct {
	EventHeader
	Channel Channel `json:"channel"`
}

// ChannelHangupRequest: a hangup was requested for a channel, e.g. the
// caller hung up. Soft is true for a soft hangup (e.g. an AMI request).
type ChannelHangupRequest struct {
	EventHeader
	Cause     int     `json:"cause,omitempty"`
	TechCause int     `json:"tech_cause,omitempty"`
	Soft      bool    `json:"soft,omitempty"`
	Channel   Channel `json:"channel"`
}

// ChannelDtmfReceived: a DTMF digit ended on a channel.
type ChannelDtmfReceived struct {
	EventHeader
	Digit      string  `json:"digit"` // 0-9, A-E, *, #
	DurationMs int     `json:"duration_ms"`
	Channel    Channel `json:"channel"`
}

// ChannelDialplan: a channel moved to another dialplan application.
type ChannelDialplan struct {
	EventHeader
	Channel         Channel `json:"channel"`
	DialplanApp     string  `json:"dialplan_app"`
	DialplanAppData string  `json:"dialplan_app_data"`
}

// ChannelCallerID (ARI type "ChannelCallerId"): a channel's caller id changed.
type ChannelCallerID struct {
	EventHeader
	CallerPresentation    int     `json:"caller_presentation"`
	CallerPresentationTxt string  `json:"caller_presentation_txt"`
	Channel               Channel `json:"channel"`
}

// ChannelConnectedLine: a channel's connected line changed.
type ChannelConnectedLine struct {
	EventHeader
	Channel Channel `json:"channel"`
}

// ChannelVarset: a channel variable (or, without Channel, a global one)
// changed.
type ChannelVarset struct {
	EventHeader
	Variable string   `json:"variable"`
	Value    string   `json:"value"`
	Channel  *Channel `json:"channel,omitempty"`
}

// ChannelHold: a channel put itself on hold.
type ChannelHold struct {
	EventHeader
	Channel    Channel `json:"channel"`
	MusicClass string  `json:"musicclass,omitempty"`
}

// ChannelUnhold: a channel took itself off hold.
type ChannelUnhold struct {
	EventHeader
	Channel Channel `json:"channel"`
}

// ChannelTalkingStarted: talk detection heard speech on a channel.
type ChannelTalkingStarted struct {
	EventHeader
	Channel Channel `json:"channel"`
}

// ChannelTalkingFinished: speech on a channel ended after Duration ms.
type ChannelTalkingFinished struct {
	EventHeader
	Channel  Channel `json:"channel"`
	Duration int     `json:"duration"`
}

// ChannelToneDetected: tone detection heard a tone on a channel.
type ChannelToneDetected struct {
	EventHeader
	Channel Channel `json:"channel"`
}

// ChannelUserevent: the dialplan sent a UserEvent.
type ChannelUserevent struct {
	EventHeader
	EventName string          `json:"eventname"`
	Channel   *Channel        `json:"channel,omitempty"`
	Bridge    *Bridge         `json:"bridge,omitempty"`
	Endpoint  *Endpoint       `json:"endpoint,omitempty"`
	UserEvent json.RawMessage `json:"userevent"`
}

// ChannelEnteredBridge: a channel joined a bridge.
type ChannelEnteredBridge struct {
	EventHeader
	Bridge  Bridge   `json:"bridge"`
	Channel *Channel `json:"channel,omitempty"`
}

// ChannelLeftBridge: a channel left a bridge.
type ChannelLeftBridge struct {
	EventHeader
	Bridge  Bridge  `json:"bridge"`
	Channel Channel `json:"channel"`
}

// BridgeCreated: a bridge was created.
type BridgeCreated struct {
	EventHeader
	Bridge Bridge `json:"bridge"`
}

// BridgeDestroyed: a bridge was destroyed.
type BridgeDestroyed struct {
	EventHeader
	Bridge Bridge `json:"bridge"`
}

// BridgeMerged: BridgeFrom was merged into Bridge.
type BridgeMerged struct {
	EventHeader
	Bridge     Bridge `json:"bridge"`
	BridgeFrom Bridge `json:"bridge_from"`
}

// BridgeBlindTransfer: a channel blind-transferred a call (e.g. a SIP
// REFER from a softphone).
type BridgeBlindTransfer struct {
	EventHeader
	Channel        Channel  `json:"channel"`
	ReplaceChannel *Channel `json:"replace_channel,omitempty"`
	Transferee     *Channel `json:"transferee,omitempty"`
	Exten          string   `json:"exten"`
	Context        string   `json:"context"`
	Result         string   `json:"result"`
	IsExternal     bool     `json:"is_external"`
	Bridge         *Bridge  `json:"bridge,omitempty"`
}

// BridgeAttendedTransfer: a channel completed an attended transfer.
type BridgeAttendedTransfer struct {
	EventHeader
	TransfererFirstLeg         Channel  `json:"transferer_first_leg"`
	TransfererSecondLeg        Channel  `json:"transferer_second_leg"`
	ReplaceChannel             *Channel `json:"replace_channel,omitempty"`
	Transferee                 *Channel `json:"transferee,omitempty"`
	TransferTarget             *Channel `json:"transfer_target,omitempty"`
	Result                     string   `json:"result"`
	IsExternal                 bool     `json:"is_external"`
	TransfererFirstLegBridge   *Bridge  `json:"transferer_first_leg_bridge,omitempty"`
	TransfererSecondLegBridge  *Bridge  `json:"transferer_second_leg_bridge,omitempty"`
	DestinationType            string   `json:"destination_type"`
	DestinationBridge          string   `json:"destination_bridge,omitempty"`
	DestinationApplication     string   `json:"destination_application,omitempty"`
	DestinationLinkFirstLeg    *Channel `json:"destination_link_first_leg,omitempty"`
	DestinationLinkSecondLeg   *Channel `json:"destination_link_second_leg,omitempty"`
	DestinationThreewayChannel *Channel `json:"destination_threeway_channel,omitempty"`
	DestinationThreewayBridge  *Bridge  `json:"destination_threeway_bridge,omitempty"`
}

// PlaybackStarted: a playback began.
type PlaybackStarted struct {
	EventHeader
	Playback Playback `json:"playback"`
}

// PlaybackContinuing: a playback moved on to its next media URI.
type PlaybackContinuing struct {
	EventHeader
	Playback Playback `json:"playback"`
}

// PlaybackFinished: a playback ended; Playback.State is "done" or "failed".
type PlaybackFinished struct {
	EventHeader
	Playback Playback `json:"playback"`
}

// RecordingStarted: a live recording began.
type RecordingStarted struct {
	EventHeader
	Recording LiveRecording `json:"recording"`
}

// RecordingFinished: a live recording ended and its file is stored.
type RecordingFinished struct {
	EventHeader
	Recording LiveRecording `json:"recording"`
}

// RecordingFailed: a live recording failed; see Recording.Cause.
type RecordingFailed struct {
	EventHeader
	Recording LiveRecording `json:"recording"`
}

// Dial: a dial attempt progressed. An empty DialStatus means dialing began;
// then "RINGING", "PROGRESS", "ANSWER", "BUSY", "NOANSWER", "CANCEL",
// "CONGESTION", "CHANUNAVAIL"...
type Dial struct {
	EventHeader
	Caller     *Channel `json:"caller,omitempty"`
	Peer       Channel  `json:"peer"`
	Forward    string   `json:"forward,omitempty"`
	Forwarded  *Channel `json:"forwarded,omitempty"`
	DialString string   `json:"dialstring,omitempty"`
	DialStatus string   `json:"dialstatus"`
}

// EndpointStateChange: an endpoint went online or offline.
type EndpointStateChange struct {
	EventHeader
	Endpoint Endpoint `json:"endpoint"`
}

// ContactInfo describes a SIP contact of an endpoint (spec model
// ContactInfo).
type ContactInfo struct {
	URI           string        `json:"uri"`
	ContactStatus ContactStatus `json:"contact_status"`
	AOR           string        `json:"aor"`
	RoundtripUsec string        `json:"roundtrip_usec,omitempty"`
}

// ContactStatus is a SIP contact's reachability.
type ContactStatus string

// Contact statuses.
const (
	ContactUnreachable  ContactStatus = "Unreachable"
	ContactReachable    ContactStatus = "Reachable"
	ContactUnknown      ContactStatus = "Unknown"
	ContactNonQualified ContactStatus = "NonQualified"
	ContactRemoved      ContactStatus = "Removed"
)

// ContactStatusChange: a contact of an endpoint changed reachability, e.g. a
// softphone registered (NonQualified or Reachable) or unregistered
// (Removed).
type ContactStatusChange struct {
	EventHeader
	Endpoint    Endpoint    `json:"endpoint"`
	ContactInfo ContactInfo `json:"contact_info"`
}

// Peer describes a SIP peer's status (spec model Peer).
type Peer struct {
	PeerStatus string `json:"peer_status"`
	Cause      string `json:"cause,omitempty"`
	Address    string `json:"address,omitempty"`
	Port       string `json:"port,omitempty"`
	Time       string `json:"time,omitempty"`
}

// PeerStatusChange: a peer's status changed.
type PeerStatusChange struct {
	EventHeader
	Endpoint Endpoint `json:"endpoint"`
	Peer     Peer     `json:"peer"`
}

// DeviceStateChanged: a subscribed device changed state.
type DeviceStateChanged struct {
	EventHeader
	DeviceState DeviceState `json:"device_state"`
}

// TextMessage is a SIP MESSAGE (spec model TextMessage).
type TextMessage struct {
	From      string            `json:"from"`
	To        string            `json:"to"`
	Body      string            `json:"body"`
	Variables map[string]string `json:"variables,omitempty"`
}

// TextMessageReceived: an endpoint sent a text message.
type TextMessageReceived struct {
	EventHeader
	Message  TextMessage `json:"message"`
	Endpoint *Endpoint   `json:"endpoint,omitempty"`
}

// ApplicationReplaced: another socket registered the same application name
// and took it over. An EventStream stops after delivering it.
type ApplicationReplaced struct {
	EventHeader
}

// ApplicationRegistered: the application was registered.
type ApplicationRegistered struct {
	EventHeader
}

// ApplicationUnregistered: the application was unregistered.
type ApplicationUnregistered struct {
	EventHeader
}

// ApplicationMoveFailed: Channels.Move could not move a channel to
// Destination; the channel stays in this application.
type ApplicationMoveFailed struct {
	EventHeader
	Channel     Channel  `json:"channel"`
	Destination string   `json:"destination"`
	Args        []string `json:"args"`
}

// eventTypes maps an ARI event type to a constructor of its struct.
var eventTypes = map[string]func() Event{
	"StasisStart":             func() Event { return new(StasisStart) },
	"StasisEnd":               func() Event { return new(StasisEnd) },
	"ChannelCreated":          func() Event { return new(ChannelCreated) },
	"ChannelDestroyed":        func() Event { return new(ChannelDestroyed) },
	"ChannelStateChange":      func() Event { return new(ChannelStateChange) },
	"ChannelHangupRequest":    func() Event { return new(ChannelHangupRequest) },
	"ChannelDtmfReceived":     func() Event { return new(ChannelDtmfReceived) },
	"ChannelDialplan":         func() Event { return new(ChannelDialplan) },
	"ChannelCallerId":         func() Event { return new(ChannelCallerID) },
	"ChannelConnectedLine":    func() Event { return new(ChannelConnectedLine) },
	"ChannelVarset":           func() Event { return new(ChannelVarset) },
	"ChannelHold":             func() Event { return new(ChannelHold) },
	"ChannelUnhold":           func() Event { return new(ChannelUnhold) },
	"ChannelTalkingStarted":   func() Event { return new(ChannelTalkingStarted) },
	"ChannelTalkingFinished":  func() Event { return new(ChannelTalkingFinished) },
	"ChannelToneDetected":     func() Event { return new(ChannelToneDetected) },
	"ChannelUserevent":        func() Event { return new(ChannelUserevent) },
	"ChannelEnteredBridge":    func() Event { return new(ChannelEnteredBridge) },
	"ChannelLeftBridge":       func() Event { return new(ChannelLeftBridge) },
	"BridgeCreated":           func() Event { return new(BridgeCreated) },
	"BridgeDestroyed":         func() Event { return new(BridgeDestroyed) },
	"BridgeMerged":            func() Event { return new(BridgeMerged) },
	"BridgeBlindTransfer":     func() Event { return new(BridgeBlindTransfer) },
	"BridgeAttendedTransfer":  func() Event { return new(BridgeAttendedTransfer) },
	"PlaybackStarted":         func() Event { return new(PlaybackStarted) },
	"PlaybackContinuing":      func() Event { return new(PlaybackContinuing) },
	"PlaybackFinished":        func() Event { return new(PlaybackFinished) },
	"RecordingStarted":        func() Event { return new(RecordingStarted) },
	"RecordingFinished":       func() Event { return new(RecordingFinished) },
	"RecordingFailed":         func() Event { return new(RecordingFailed) },
	"Dial":                    func() Event { return new(Dial) },
	"EndpointStateChange":     func() Event { return new(EndpointStateChange) },
	"ContactStatusChange":     func() Event { return new(ContactStatusChange) },
	"PeerStatusChange":        func() Event { return new(PeerStatusChange) },
	"DeviceStateChanged":      func() Event { return new(DeviceStateChanged) },
	"TextMessageReceived":     func() Event { return new(TextMessageReceived) },
	"ApplicationReplaced":     func() Event { return new(ApplicationReplaced) },
	"ApplicationRegistered":   func() Event { return new(ApplicationRegistered) },
	"ApplicationUnregistered": func() Event { return new(ApplicationUnregistered) },
	"ApplicationMoveFailed":   func() Event { return new(ApplicationMoveFailed) },
}

// ErrMalformedEvent is wrapped by every DecodeEvent error.
var ErrMalformedEvent = errors.New("ari: malformed event")

// DecodeEvent decodes one ARI event message. A known type becomes its typed
// struct; an unknown type becomes an *Unknown holding a copy of data. It
// fails, with an error wrapping ErrMalformedEvent, when data is not a JSON
// object, has no string "type", or does not fit the struct of its type
// (e.g. a string where a channel object belongs, or a bad date).
func DecodeEvent(data []byte) (Event, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return nil, fmt.Errorf("%w: not a JSON object", ErrMalformedEvent)
	}
	var h struct {
		Type json.RawMessage `json:"type"`
	}
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedEvent, err)
	}
	var typ string
	if len(h.Type) == 0 || json.Unmarshal(h.Type, &typ) != nil || typ == "" {
		return nil, fmt.Errorf("%w: missing or non-string \"type\"", ErrMalformedEvent)
	}
	newEvent, ok := eventTypes[typ]
	if !ok {
		u := &Unknown{Raw: bytes.Clone(data)}
		if err := json.Unmarshal(data, &u.EventHeader); err != nil {
			return nil, fmt.Errorf("%w: %s event: %v", ErrMalformedEvent, typ, err)
		}
		return u, nil
	}
	ev := newEvent()
	if err := json.Unmarshal(data, ev); err != nil {
		return nil, fmt.Errorf("%w: %s event: %v", ErrMalformedEvent, typ, err)
	}
	return ev, nil
}
