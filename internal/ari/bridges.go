package ari

import (
	"context"
	"net/http"
)

// Bridge is a snapshot of a bridge (spec model Bridge).
type Bridge struct {
	ID            string            `json:"id"`
	Technology    string            `json:"technology"`  // e.g. "simple_bridge", "softmix"
	BridgeType    string            `json:"bridge_type"` // "mixing" or "holding"
	BridgeClass   string            `json:"bridge_class"`
	Creator       string            `json:"creator"`
	Name          string            `json:"name"`
	Channels      []string          `json:"channels"` // ids of the channels in it
	VideoMode     string            `json:"video_mode,omitempty"`
	VideoSourceID string            `json:"video_source_id,omitempty"`
	CreationTime  Time              `json:"creationtime"`
	BridgeVars    map[string]string `json:"bridgevars,omitempty"`
}

// Bridge types for CreateBridgeParams.Type; they combine with commas, e.g.
// "mixing,dtmf_events".
const (
	BridgeMixing     = "mixing"
	BridgeHolding    = "holding"
	BridgeDTMFEvents = "dtmf_events"
	BridgeProxyMedia = "proxy_media"
	BridgeVideoSFU   = "video_sfu"
	BridgeVideoOne   = "video_single"
)

// Bridge roles for AddChannelParams.Role in a holding bridge.
const (
	RoleParticipant = "participant"
	RoleAnnouncer   = "announcer"
)

// CreateBridgeParams describe a new bridge.
type CreateBridgeParams struct {
	Type string // comma-separated bridge types, e.g. BridgeMixing
	ID   string // client-chosen id; register it before calling
	Name string
}

// AddChannelParams say which channels join a bridge and how.
type AddChannelParams struct {
	Channels   []string // channel ids; at least one
	Role       string   // e.g. RoleAnnouncer in a holding bridge
	AbsorbDTMF bool     // keep the channels' DTMF from the other members
	Mute       bool     // mute the channels' audio towards the bridge
	// InhibitConnectedLineUpdates stops the channels from sending
	// connected-line updates to the others.
	InhibitConnectedLineUpdates bool
}

// Bridges controls bridges. A bridge lives until Destroy, even with nobody in
// it. Calls on a missing bridge fail with 404; adding a channel that is not in
// Stasis fails with 422, one that is in another bridge with 409.
type Bridges interface {
	// Create creates a bridge; an existing id fails with 409.
	Create(ctx context.Context, p CreateBridgeParams) (*Bridge, error)
	// Get returns a snapshot of the bridge.
	Get(ctx context.Context, id string) (*Bridge, error)
	// List returns all bridges on the server.
	List(ctx context.Context) ([]Bridge, error)
	// Destroy shuts the bridge down; its channels stay in Stasis. A bridge
	// that is already gone (404) counts as success.
	Destroy(ctx context.Context, id string) error
	// AddChannel adds channels to the bridge; see AddChannelParams.
	AddChannel(ctx context.Context, id string, p AddChannelParams) error
	// RemoveChannel takes channels out of the bridge; they stay in Stasis.
	RemoveChannel(ctx context.Context, id string, channelIDs ...string) error
	// Play plays media to everyone in the bridge.
	Play(ctx context.Context, id string, p PlayParams) (*Playback, error)
	// Record records the mixed audio of the bridge; a hidden recorder channel
	// joins it.
	Record(ctx context.Context, id string, p RecordParams) (*LiveRecording, error)
	// StartMOH plays music on hold of class ("" = default) to the bridge;
	// StopMOH ends it.
	StartMOH(ctx context.Context, id, class string) error
	StopMOH(ctx context.Context, id string) error
}

var _ Bridges = (*bridgesClient)(nil)

type bridgesClient struct{ c *Client }

func (s *bridgesClient) Create(ctx context.Context, p CreateBridgeParams) (*Bridge, error) {
	q := params{}.str("type", p.Type).str("bridgeId", p.ID).str("name", p.Name)
	var b Bridge
	if err := s.c.do(ctx, call{method: http.MethodPost, path: "/bridges", query: q.values(), out: &b}); err != nil {
		return nil, err
	}
	return &b, nil
}

func (s *bridgesClient) Get(ctx context.Context, id string) (*Bridge, error) {
	var b Bridge
	if err := s.c.do(ctx, call{method: http.MethodGet, path: escapedPath("/bridges", id), out: &b}); err != nil {
		return nil, err
	}
	return &b, nil
}

func (s *bridgesClient) List(ctx context.Context) ([]Bridge, error) {
	var bs []Bridge
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "/bridges", out: &bs}); err != nil {
		return nil, err
	}
	return bs, nil
}

func (s *bridgesClient) Destroy(ctx context.Context, id string) error {
	return IgnoreNotFound(s.c.do(ctx, call{method: http.MethodDelete, path: escapedPath("/bridges", id)}))
}

func (s *bridgesClient) AddChannel(ctx context.Context, id string, p AddChannelParams) error {
	q := params{}.list("channel", p.Channels).str("role", p.Role).flag("absorbDTMF", p.AbsorbDTMF).
		flag("mute", p.Mute).flag("inhibitConnectedLineUpdates", p.InhibitConnectedLineUpdates)
	return s.c.do(ctx, call{method: http.MethodPost, path: escapedPath("/bridges", id, "/addChannel"), query: q.values()})
}

func (s *bridgesClient) RemoveChannel(ctx context.Context, id string, channelIDs ...string) error {
	q := params{}.list("channel", channelIDs)
	return s.c.do(ctx, call{method: http.MethodPost, path: escapedPath("/bridges", id, "/removeChannel"), query: q.values()})
}

func (s *bridgesClient) Play(ctx context.Context, id string, p PlayParams) (*Playback, error) {
	var pb Playback
	err := s.c.do(ctx, call{method: http.MethodPost, path: escapedPath("/bridges", id, "/play"), query: p.query().values(), out: &pb})
	if err != nil {
		return nil, err
	}
	return &pb, nil
}

func (s *bridgesClient) Record(ctx context.Context, id string, p RecordParams) (*LiveRecording, error) {
	var rec LiveRecording
	err := s.c.do(ctx, call{method: http.MethodPost, path: escapedPath("/bridges", id, "/record"), query: p.query().values(), out: &rec})
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

func (s *bridgesClient) StartMOH(ctx context.Context, id, class string) error {
	q := params{}.str("mohClass", class)
	return s.c.do(ctx, call{method: http.MethodPost, path: escapedPath("/bridges", id, "/moh"), query: q.values()})
}

func (s *bridgesClient) StopMOH(ctx context.Context, id string) error {
	return s.c.do(ctx, call{method: http.MethodDelete, path: escapedPath("/bridges", id, "/moh")})
}
