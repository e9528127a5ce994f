// Package recordings keeps the recordings of conversations: their metadata in the
// system of record, and the audio fetched from Asterisk into the recordings folder,
// checksummed and verified before Asterisk's copy is removed.
package recordings

import (
	"context"
	"io"
	"time"
)

// States of a recording.
const (
	Recording = "recording" // Asterisk is recording
	Finished  = "finished"  // Asterisk has the file; not yet stored here
	Stored    = "stored"    // stored here and verified; Asterisk's copy removed
	Failed    = "failed"    // Asterisk reported the recording failed
)

// Rec is a recording's metadata.
type Rec struct {
	ID            int64
	CallID        int64
	AsteriskID    string
	Name          string // the stored recording's name on Asterisk
	Format        string
	OperatorLogin string
	State         string
	StartedAt     time.Time
	FinishedAt    *time.Time
	StoredAt      *time.Time
	Path          string // relative to the recordings folder
	SHA256        string
	SizeBytes     int64
	Duration      float64 // seconds
	Attempts      int
	LastError     string
}

// Store keeps recordings' metadata. Rows are never deleted.
type Store interface {
	// Start records a recording that Asterisk has begun.
	Start(ctx context.Context, r Rec) (Rec, error)
	// Finish marks a recording finished (or failed) on Asterisk.
	Finish(ctx context.Context, id int64, t time.Time, failed bool, reason string) error
	// Store records where the verified copy is, with its checksum, size and duration.
	Store(ctx context.Context, id int64, path, sha256 string, size int64, duration float64, t time.Time) error
	// Attempt counts a failed attempt to store the file.
	Attempt(ctx context.Context, id int64, reason string) error
	// Pending returns recordings of an Asterisk that are not stored yet, oldest first.
	Pending(ctx context.Context, asteriskID string) ([]Rec, error)
	// ByCall returns a call's recordings.
	ByCall(ctx context.Context, callID int64) ([]Rec, error)
}

// Source is where recordings are fetched from (Asterisk's stored recordings).
type Source interface {
	// Download streams a stored recording's file; an error satisfying IsGone when
	// there is no such recording.
	Download(ctx context.Context, name string) (io.ReadCloser, error)
	// Delete removes the stored recording; no error when it is already gone.
	Delete(ctx context.Context, name string) error
}
