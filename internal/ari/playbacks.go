package ari

import (
	"context"
	"net/http"
)

// Playback is media being played to a channel or bridge (spec model
// Playback).
type Playback struct {
	ID           string        `json:"id"`
	MediaURI     string        `json:"media_uri"`
	NextMediaURI string        `json:"next_media_uri,omitempty"`
	TargetURI    string        `json:"target_uri"` // "channel:ID" or "bridge:ID"
	Language     string        `json:"language,omitempty"`
	State        PlaybackState `json:"state"`
}

// PlaybackState is the state of a playback.
type PlaybackState string

// Playback states. PlaybackFinished carries Done or Failed.
const (
	PlaybackStateQueued     PlaybackState = "queued"
	PlaybackStatePlaying    PlaybackState = "playing"
	PlaybackStateContinuing PlaybackState = "continuing"
	PlaybackStateDone       PlaybackState = "done"
	PlaybackStateFailed     PlaybackState = "failed"
)

// PlaybackOperation is a control operation on a playback.
type PlaybackOperation string

// Playback operations.
const (
	PlaybackRestart PlaybackOperation = "restart"
	PlaybackPause   PlaybackOperation = "pause"
	PlaybackUnpause PlaybackOperation = "unpause"
	PlaybackReverse PlaybackOperation = "reverse"
	PlaybackForward PlaybackOperation = "forward"
)

// Playbacks controls playbacks started by Channels.Play or Bridges.Play. A
// playback exists only while queued or playing; afterwards calls fail with
// 404.
type Playbacks interface {
	// Get returns a snapshot of the playback.
	Get(ctx context.Context, id string) (*Playback, error)
	// Stop stops the playback; one that has already finished (404) counts as
	// success.
	Stop(ctx context.Context, id string) error
	// Control pauses, resumes, restarts or skips within the playback. An
	// operation the playback's state does not allow fails with 409.
	Control(ctx context.Context, id string, op PlaybackOperation) error
}

var _ Playbacks = (*playbacksClient)(nil)

type playbacksClient struct{ c *Client }

func (s *playbacksClient) Get(ctx context.Context, id string) (*Playback, error) {
	var pb Playback
	if err := s.c.do(ctx, call{method: http.MethodGet, path: escapedPath("/playbacks", id), out: &pb}); err != nil {
		return nil, err
	}
	return &pb, nil
}

func (s *playbacksClient) Stop(ctx context.Context, id string) error {
	return IgnoreNotFound(s.c.do(ctx, call{method: http.MethodDelete, path: escapedPath("/playbacks", id)}))
}

func (s *playbacksClient) Control(ctx context.Context, id string, op PlaybackOperation) error {
	q := params{}.str("operation", string(op))
	return s.c.do(ctx, call{method: http.MethodPost, path: escapedPath("/playbacks", id, "/control"), query: q.values()})
}
