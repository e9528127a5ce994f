// Package calls is the domain of citizen calls: their record, states and outcomes,
// and the store that keeps them.
package calls

import (
	"context"
	"time"
)

// State is where a call is in its life.
type State string

const (
	Arrived   State = "arrived"   // handed to the controller
	Greeting  State = "greeting"  // answered, hearing the greeting
	Queued    State = "queued"    // waiting for an operator
	Ringing   State = "ringing"   // an operator is being rung
	Connected State = "connected" // talking to an operator
	Ended     State = "ended"     // hung up
)

// Outcome is how a call ended.
type Outcome string

const (
	Completed Outcome = "completed" // the caller got the service it offered (message played)
	Answered  Outcome = "answered"  // an operator talked to the caller
	Abandoned Outcome = "abandoned" // the caller hung up before reaching an operator
	Failed    Outcome = "failed"    // the system could not serve the call
)

// Call is one citizen call as the system of record keeps it.
type Call struct {
	ID              int64
	AsteriskID      string // entity id of the Asterisk server that owns the channel
	ChannelID       string // the caller's channel id on that server
	Line            string // the number dialled: "109", "556655"
	CallerNumber    string
	CallerName      string
	Language        string
	State           State
	Outcome         Outcome // empty until the call ends
	ArrivedAt       time.Time
	AnsweredAt      *time.Time
	EndedAt         *time.Time
	HangupCause     *int
	HangupCauseText string
	Priority        int        // 0 normal .. 9 emergency
	QueuedAt        *time.Time // first time the call joined the queue
	ConnectedAt     *time.Time // when an operator answered
	OperatorLogin   string     // the operator who answered
}

// Event is one step in a call's history. Events are only ever added.
type Event struct {
	At     time.Time
	Type   string
	Detail map[string]any
}

// ServiceTarget is the answer time of the service level: the share of calls
// answered within it in line (a hotline's usual goal is 80 % within 20 s).
const ServiceTarget = 20 * time.Second

// Summary is what became of the calls that arrived in [From, To), on one line or on
// all.
type Summary struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Line     string    `json:"line,omitempty"`
	Arrived  int       `json:"arrived"`
	Open     int       `json:"open"` // not ended yet
	Answered int       `json:"answered"`
	// Abandoned hung up before reaching an operator; AbandonedAfterTarget of them
	// after waiting longer than the target in line.
	Abandoned            int `json:"abandoned"`
	AbandonedAfterTarget int `json:"abandoned_after_target"`
	Completed            int `json:"completed"`
	Failed               int `json:"failed"`
	// TargetSeconds is the service level's answer time; AnsweredWithinTarget the
	// calls answered within it in line.
	TargetSeconds        float64 `json:"target_seconds"`
	AnsweredWithinTarget int     `json:"answered_within_target"`
	// ServiceLevel is AnsweredWithinTarget / (Answered + AbandonedAfterTarget): short
	// abandons do not count against it. Nil when there is nothing to count.
	ServiceLevel       *float64 `json:"service_level"`
	AverageWaitSeconds float64  `json:"average_wait_seconds"` // of the answered, in line
	LongestWaitSeconds float64  `json:"longest_wait_seconds"` // of the answered
	AverageTalkSeconds float64  `json:"average_talk_seconds"` // of the answered and ended
}

// Store keeps calls and their events. Implementations must be safe for concurrent use.
type Store interface {
	// Arrive records a new call, or returns the existing one for the same
	// (AsteriskID, ChannelID) with created=false, so a redelivered or resynchronised
	// StasisStart never makes a second record.
	Arrive(ctx context.Context, c Call) (call Call, created bool, err error)
	// Answer marks the call answered at t (only the first answer counts).
	Answer(ctx context.Context, id int64, t time.Time) error
	// SetState moves a call that has not ended to state s.
	SetState(ctx context.Context, id int64, s State) error
	// End closes the call once: a second End of the same call changes nothing and
	// returns ended=false.
	End(ctx context.Context, id int64, t time.Time, cause int, causeText string, outcome Outcome) (ended bool, err error)
	// Queue marks the call waiting for an operator with its language and priority;
	// QueuedAt keeps the first time.
	Queue(ctx context.Context, id int64, t time.Time, language string, priority int) error
	// Connect records the operator who answered the call at t.
	Connect(ctx context.Context, id int64, t time.Time, operator string) error
	// AddEvent appends an event to the call's history.
	AddEvent(ctx context.Context, id int64, e Event) error
	// Get returns a call by id; an apperr NotFound if there is none.
	Get(ctx context.Context, id int64) (Call, error)
	// Summarize counts what became of the calls arrived in [from, to) on line (every
	// line when empty), with target as the service level's answer time.
	Summarize(ctx context.Context, from, to time.Time, line string, target time.Duration) (Summary, error)
	// Many returns the calls of ids that exist, in the order of ids.
	Many(ctx context.Context, ids []int64) ([]Call, error)
	// ByChannel returns the call of a channel; an apperr NotFound if there is none.
	ByChannel(ctx context.Context, asteriskID, channelID string) (Call, error)
	// Events returns the call's history in order.
	Events(ctx context.Context, id int64) ([]Event, error)
	// Open returns the calls of an Asterisk server that have not ended, oldest first:
	// what the controller must find again after a restart.
	Open(ctx context.Context, asteriskID string) ([]Call, error)
}
