package callflow

import (
	"context"
	"time"

	"github.com/ikomek/ikomek/internal/operators"
	"github.com/ikomek/ikomek/internal/redis"
)

// Queue is the live state the flow needs: the line of waiting calls and the operators'
// presence, shared by every controller (implemented by redis.Presence).
type Queue interface {
	Enqueue(ctx context.Context, c redis.QueuedCall) error
	Requeue(ctx context.Context, callID int64) error
	Dequeue(ctx context.Context, callID int64) error
	Position(ctx context.Context, callID int64) (pos, waiting int64, err error)
	Waiting(ctx context.Context) (int64, error)
	ClaimNext(ctx context.Context, asteriskID string) (callID int64, login string, ok bool, err error)
	Answered(ctx context.Context, login string, callID int64) error
	Missed(ctx context.Context, login string, callID int64) (operators.State, error)
	Released(ctx context.Context, login string, callID int64) error
	CallEnded(ctx context.Context, login string, callID int64, until time.Time) error
	WrapUpsDue(ctx context.Context) ([]string, error)
	NextWrapUpEnd(ctx context.Context) (time.Time, error)
	SetRegistered(ctx context.Context, login string, registered bool, asteriskID string) (bool, error)
}

var _ Queue = (*redis.Presence)(nil)

// Tickets opens the ticket of each call and links what the call produced to it.
type Tickets interface {
	// OpenForCall returns the call's ticket, creating it the first time.
	OpenForCall(ctx context.Context, callID int64, caller, line string, at time.Time) (ticketID int64, err error)
	// SetOperator records the operator who handled the call.
	SetOperator(ctx context.Context, ticketID int64, login string) error
	// LinkRecording links the conversation's recording.
	LinkRecording(ctx context.Context, ticketID, recordingID int64) error
}

// QCLine is the quality-control number: its calls are complaints about the center.
const QCLine = "556655"

// QCCases opens the quality-control case of each call to the QC line.
type QCCases interface {
	// OpenCaseForCall returns the call's case, opening it the first time.
	OpenCaseForCall(ctx context.Context, callID int64) (caseID int64, created bool, err error)
}

// Settings are the call-handling rules.
type Settings struct {
	RingTimeout   time.Duration // how long an operator's phone rings before the offer moves on
	WrapUp        time.Duration // after-call work before the next offer
	AnnounceEvery time.Duration // position and wait announcements while queued; 0 = never
	LanguageMenu  bool          // offer 1 Russian / 2 Kazakh after the greeting
	MenuTimeout   time.Duration // how long to wait for a menu key
	Emergency     int           // priority of a caller who presses 9 in the menu
	HandleTime    time.Duration // assumed handle time for wait estimates until measured
}

// DefaultSettings are sensible values for a city hotline.
func DefaultSettings() Settings {
	return Settings{RingTimeout: 20 * time.Second, WrapUp: 30 * time.Second, AnnounceEvery: 45 * time.Second,
		LanguageMenu: true, MenuTimeout: 5 * time.Second, Emergency: 5, HandleTime: 4 * time.Minute}
}
