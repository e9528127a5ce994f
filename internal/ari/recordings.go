package ari

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// LiveRecording is a recording in progress or just ended (spec model
// LiveRecording).
type LiveRecording struct {
	Name            string         `json:"name"`
	Format          string         `json:"format"`
	TargetURI       string         `json:"target_uri"` // "channel:ID" or "bridge:ID"
	State           RecordingState `json:"state"`
	Duration        int            `json:"duration,omitempty"`         // seconds
	TalkingDuration int            `json:"talking_duration,omitempty"` // seconds
	SilenceDuration int            `json:"silence_duration,omitempty"` // seconds
	Cause           string         `json:"cause,omitempty"`            // why it failed
}

// RecordingState is the state of a live recording.
type RecordingState string

// Live recording states.
const (
	RecordingStateQueued    RecordingState = "queued"
	RecordingStateRecording RecordingState = "recording"
	RecordingStatePaused    RecordingState = "paused"
	RecordingStateDone      RecordingState = "done"
	RecordingStateFailed    RecordingState = "failed"
	RecordingStateCanceled  RecordingState = "canceled"
)

// StoredRecording is a finished recording on the server's disk (spec model
// StoredRecording).
type StoredRecording struct {
	Name   string `json:"name"`
	Format string `json:"format"`
}

// RecordingFile is the audio of a stored recording, streamed from the
// server. The caller must Close Body.
type RecordingFile struct {
	Body          io.ReadCloser
	ContentType   string // e.g. "audio/wav"
	ContentLength int64  // -1 when the server did not say
}

// Recordings controls live recordings (started by Channels.Record or
// Bridges.Record) and the stored recordings they leave behind. Names may
// contain a relative directory, as given in RecordParams.Name.
type Recordings interface {
	// GetLive returns a snapshot of a live recording.
	GetLive(ctx context.Context, name string) (*LiveRecording, error)
	// Stop ends a live recording and keeps the file; RecordingFinished
	// follows.
	Stop(ctx context.Context, name string) error
	// Cancel ends a live recording and discards the file. One that is
	// already gone (404) counts as success.
	Cancel(ctx context.Context, name string) error
	// Pause and Unpause suspend and resume a live recording; the paused
	// time is left out of the file.
	Pause(ctx context.Context, name string) error
	Unpause(ctx context.Context, name string) error
	// Mute and Unmute record silence instead of audio.
	Mute(ctx context.Context, name string) error
	Unmute(ctx context.Context, name string) error

	// ListStored lists the stored recordings.
	ListStored(ctx context.Context) ([]StoredRecording, error)
	// GetStored returns a stored recording's name and format.
	GetStored(ctx context.Context, name string) (*StoredRecording, error)
	// DeleteStored deletes a stored recording; one that is already gone
	// (404) counts as success.
	DeleteStored(ctx context.Context, name string) error
	// CopyStored copies a stored recording to dest; an existing dest fails
	// with 409.
	CopyStored(ctx context.Context, name, dest string) (*StoredRecording, error)
	// DownloadStored streams the file of a stored recording. The request
	// timeout bounds only the wait for the reply's headers; reading Body is
	// bounded by ctx.
	DownloadStored(ctx context.Context, name string) (*RecordingFile, error)
}

var _ Recordings = (*recordingsClient)(nil)

type recordingsClient struct{ c *Client }

func (s *recordingsClient) GetLive(ctx context.Context, name string) (*LiveRecording, error) {
	var rec LiveRecording
	if err := s.c.do(ctx, call{method: http.MethodGet, path: escapedPath("/recordings/live", name), out: &rec}); err != nil {
		return nil, err
	}
	return &rec, nil
}

func (s *recordingsClient) Stop(ctx context.Context, name string) error {
	return s.live(ctx, http.MethodPost, name, "/stop")
}

func (s *recordingsClient) Cancel(ctx context.Context, name string) error {
	return IgnoreNotFound(s.c.do(ctx, call{method: http.MethodDelete, path: escapedPath("/recordings/live", name)}))
}

func (s *recordingsClient) Pause(ctx context.Context, name string) error {
	return s.live(ctx, http.MethodPost, name, "/pause")
}

func (s *recordingsClient) Unpause(ctx context.Context, name string) error {
	return s.live(ctx, http.MethodDelete, name, "/pause")
}

func (s *recordingsClient) Mute(ctx context.Context, name string) error {
	return s.live(ctx, http.MethodPost, name, "/mute")
}

func (s *recordingsClient) Unmute(ctx context.Context, name string) error {
	return s.live(ctx, http.MethodDelete, name, "/mute")
}

func (s *recordingsClient) live(ctx context.Context, method, name, sub string) error {
	return s.c.do(ctx, call{method: method, path: escapedPath("/recordings/live", name, sub)})
}

func (s *recordingsClient) ListStored(ctx context.Context) ([]StoredRecording, error) {
	var recs []StoredRecording
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "/recordings/stored", out: &recs}); err != nil {
		return nil, err
	}
	return recs, nil
}

func (s *recordingsClient) GetStored(ctx context.Context, name string) (*StoredRecording, error) {
	var rec StoredRecording
	if err := s.c.do(ctx, call{method: http.MethodGet, path: escapedPath("/recordings/stored", name), out: &rec}); err != nil {
		return nil, err
	}
	return &rec, nil
}

func (s *recordingsClient) DeleteStored(ctx context.Context, name string) error {
	return IgnoreNotFound(s.c.do(ctx, call{method: http.MethodDelete, path: escapedPath("/recordings/stored", name)}))
}

func (s *recordingsClient) CopyStored(ctx context.Context, name, dest string) (*StoredRecording, error) {
	q := params{}.str("destinationRecordingName", dest)
	var rec StoredRecording
	err := s.c.do(ctx, call{method: http.MethodPost, path: escapedPath("/recordings/stored", name, "/copy"), query: q.values(), out: &rec})
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

func (s *recordingsClient) DownloadStored(ctx context.Context, name string) (*RecordingFile, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	// The request timeout covers the headers only; a long recording may take
	// longer than that to stream.
	headers := time.AfterFunc(s.c.timeout, func() { cancel(context.DeadlineExceeded) })
	cl := call{method: http.MethodGet, path: escapedPath("/recordings/stored", name, "/file")}
	resp, err := s.c.send(ctx, cl)
	if !headers.Stop() {
		cancel(nil)
		if err == nil {
			resp.Body.Close()
		}
		return nil, fmt.Errorf("ari: %s %s: no reply within %v: %w", cl.method, cl.path, s.c.timeout, context.DeadlineExceeded)
	}
	if err != nil {
		cancel(nil)
		return nil, err
	}
	return &RecordingFile{
		Body:          &cancelOnClose{ReadCloser: resp.Body, cancel: func() { cancel(nil) }},
		ContentType:   resp.Header.Get("Content-Type"),
		ContentLength: resp.ContentLength,
	}, nil
}

// cancelOnClose releases the request context when the body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel func()
	once   sync.Once
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.cancel)
	return err
}
