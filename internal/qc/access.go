// Package qc is quality control of the center: reviewers search recorded calls and
// listen to them (every access audited), score them on forms, follow complaints
// (cases) and review a weekly sample of each operator's calls.
package qc

import (
	"context"
	"time"
)

// Actions recorded in the access audit of recordings.
const (
	Listen   = "listen"
	Download = "download"
	Denied   = "denied"
)

// Access is one attempt to listen to or download a recording, allowed or not.
type Access struct {
	ID          int64     `json:"id"`
	At          time.Time `json:"at"`
	RecordingID int64     `json:"recording_id"`
	CallID      int64     `json:"call_id,omitempty"`
	Action      string    `json:"action"`
	TokenID     int64     `json:"token_id,omitempty"`
	TokenName   string    `json:"token_name"`
	Role        string    `json:"role"`
	Subject     string    `json:"subject,omitempty"`
	RemoteAddr  string    `json:"remote_addr"`
	UserAgent   string    `json:"user_agent"`
	Range       string    `json:"range,omitempty"` // the HTTP Range asked, as sent
	Reason      string    `json:"reason,omitempty"`
}

// AccessFilter selects audit rows; zero fields select everything.
type AccessFilter struct {
	RecordingID int64
	TokenID     int64
	Subject     string
	From, To    time.Time // [From, To)
	Limit       int       // at most this many, newest first; 0 means 500
}

// AccessLog is the append-only audit of recording access. The HTTP edge appends a row
// before serving any audio, so a failure to record refuses the access.
type AccessLog interface {
	// Record appends a; At is set to now when zero. Returns the stored row.
	Record(ctx context.Context, a Access) (Access, error)
	// Accesses returns the rows matching f, newest first.
	Accesses(ctx context.Context, f AccessFilter) ([]Access, error)
}

// Recording is a recorded call as reviewers see it.
type Recording struct {
	ID            int64      `json:"id"`
	CallID        int64      `json:"call_id"`
	Line          string     `json:"line"`
	CallerNumber  string     `json:"caller_number"`
	OperatorLogin string     `json:"operator_login"`
	Outcome       string     `json:"outcome,omitempty"`
	ArrivedAt     time.Time  `json:"arrived_at"`
	StartedAt     time.Time  `json:"started_at"`
	StoredAt      *time.Time `json:"stored_at,omitempty"`
	State         string     `json:"state"`
	Format        string     `json:"format"`
	Path          string     `json:"-"` // relative to the recordings folder
	SHA256        string     `json:"sha256"`
	SizeBytes     int64      `json:"size_bytes"`
	Duration      float64    `json:"duration_seconds"`
	Tickets       []string   `json:"tickets"`              // references of the call's tickets
	RemovedAt     *time.Time `json:"removed_at,omitempty"` // audio removed by retention
}

// Search selects stored recordings; zero fields select everything.
type Search struct {
	From, To    time.Time // call arrival, [From, To)
	Caller      string    // phone number; matched on its last 10 digits
	Operator    string
	Ticket      string // ticket reference
	Outcome     string
	MinDuration float64
	MaxDuration float64 // 0: no maximum
	PageSize    int     // 1..200, default 50
	After       int64   // recording id cursor: results have smaller ids
}

// RecordingIndex finds recordings for review and for the retention policy.
type RecordingIndex interface {
	// Search returns stored recordings matching s, newest first, and the cursor of the
	// next page (0 when there is none).
	Search(ctx context.Context, s Search) (recs []Recording, next int64, err error)
	// Recording returns one recording; apperr NotFound when there is none.
	Recording(ctx context.Context, id int64) (Recording, error)
	// Stored returns every stored recording whose audio was not removed, by id.
	Stored(ctx context.Context) ([]Recording, error)
	// Expired returns stored recordings started before cutoff whose audio may be
	// removed: not removed yet, not linked to a QC case, a review or a ticket that is
	// not closed.
	Expired(ctx context.Context, cutoff time.Time) ([]Recording, error)
	// Remove records that a recording's audio was removed, inside the transaction of
	// remove (which deletes the file): when remove fails nothing is recorded.
	Remove(ctx context.Context, id int64, reason string, remove func() error) error
}
