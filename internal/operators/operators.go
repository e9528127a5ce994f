// Package operators is the domain of call-center operators: who they are (the record in
// PostgreSQL, the source of truth), their SIP accounts on Asterisk, and their live
// state (offline, available, ringing, on_call, wrap_up, paused) with every change kept.
package operators

import (
	"context"
	"time"
)

// Operator is a person who answers calls on a SIP softphone.
type Operator struct {
	ID        int64
	Login     string // also the SIP user name and the PJSIP endpoint name
	FullName  string
	Languages []string // "ru", "kk": languages the operator serves callers in
	Lines     []string // lines served: "109", "556655" (quality control)
	Active    bool     // false: disabled; never rung, SIP account removed
	CreatedAt time.Time
	UpdatedAt time.Time
}

// NewOperator is what creating an operator takes.
type NewOperator struct {
	Login       string
	FullName    string
	Languages   []string
	Lines       []string // empty means ["109"]
	SIPPassword string   // stored only as the digest hash Asterisk needs
}

// Patch changes some fields of an operator; nil fields stay as they are.
type Patch struct {
	FullName    *string
	Languages   *[]string
	Lines       *[]string
	SIPPassword *string
	Active      *bool
}

// SIPAccount is what Asterisk needs to let an operator's softphone register.
type SIPAccount struct {
	Login   string
	Realm   string
	MD5Cred string // hex MD5 of "login:realm:password"
	Active  bool
}

// Store keeps operators. Implementations must be safe for concurrent use.
type Store interface {
	// Create adds an operator; apperr Invalid for a bad login (letters, digits, '.', '_',
	// '-', 2..32), empty name, unknown language or line, or a SIP password shorter than
	// 8 characters; apperr Conflict when the login exists.
	Create(ctx context.Context, in NewOperator) (Operator, error)
	// Update applies a patch; apperr NotFound for an unknown login.
	Update(ctx context.Context, login string, p Patch) (Operator, error)
	// Get returns one operator; apperr NotFound for an unknown login.
	Get(ctx context.Context, login string) (Operator, error)
	// List returns operators by login; inactive ones only when asked.
	List(ctx context.Context, includeInactive bool) ([]Operator, error)
	// SIPAccounts returns the SIP account of every operator, active or not, so that
	// provisioning can add the active ones and remove the others.
	SIPAccounts(ctx context.Context) ([]SIPAccount, error)
	// RecordState appends a state change to the operator's history.
	RecordState(ctx context.Context, c StateChange) error
	// StateLog returns the state changes of an operator in [from, to), oldest first.
	StateLog(ctx context.Context, login string, from, to time.Time) ([]StateChange, error)
}

// State is an operator's live state.
type State string

const (
	Offline   State = "offline"   // not logged in
	Available State = "available" // logged in, registered, waiting for a call
	Ringing   State = "ringing"   // a call is being offered
	OnCall    State = "on_call"   // talking
	WrapUp    State = "wrap_up"   // after a call, finishing its ticket
	Paused    State = "paused"    // logged in, taking no calls (Reason says why)
)

// LastState is the last state an operator's log recorded: what the live state is
// rebuilt from when it was lost.
type LastState struct {
	State  State
	Reason string
}

// Pause reasons used by the system itself.
const (
	ReasonMissedCalls = "missed_calls" // paused after repeated unanswered offers
)

// StateChange is one entry of an operator's state history.
type StateChange struct {
	Login  string
	At     time.Time
	From   State
	To     State
	Reason string // pause reason, or why the change happened
	CallID int64  // the call involved, 0 when none
}

// Live is an operator's live state as the console and supervisors see it.
type Live struct {
	Login      string    `json:"login"`
	State      State     `json:"state"`
	Reason     string    `json:"reason,omitempty"`
	Since      time.Time `json:"since"`
	Registered bool      `json:"registered"` // the softphone is registered with Asterisk
	CallID     int64     `json:"call_id,omitempty"`
	Missed     int       `json:"missed"` // consecutive unanswered offers
}

// Presence is the operators' live state, shared by every controller (Redis). Login,
// Logout, Pause and Resume come from the console (API); registration and call states
// come from Asterisk through the call flow.
type Presence interface {
	// Login makes a logged-out operator available (or paused "not registered" until
	// the softphone registers); apperr Conflict when already logged in.
	Login(ctx context.Context, login string) error
	// Logout takes an operator out of distribution; apperr Conflict during a call.
	Logout(ctx context.Context, login string) error
	// Pause stops offering calls with a reason; during a call it takes effect after it.
	Pause(ctx context.Context, login, reason string) error
	// Resume makes a paused operator available again.
	Resume(ctx context.Context, login string) error
	// Live returns the live state of one operator.
	Live(ctx context.Context, login string) (Live, error)
	// LiveAll returns the live state of every operator known to presence.
	LiveAll(ctx context.Context) ([]Live, error)
}
