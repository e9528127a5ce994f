package qc

import (
	"context"
	"strings"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
)

// Outcomes of a review.
const (
	NoIssue  = "no_issue"
	Coaching = "coaching"
	Warning  = "warning"
)

// Criterion is one line of a scoring form: scored from 0 to Max, counting Weight.
type Criterion struct {
	Code   string  `json:"code"`
	Label  string  `json:"label"`
	Weight float64 `json:"weight"`
	Max    float64 `json:"max"`
}

// Form is a scoring form. Forms never change once created, so a review's total keeps
// its meaning; a new form replaces an old one.
type Form struct {
	ID        int64       `json:"id"`
	Name      string      `json:"name"`
	Criteria  []Criterion `json:"criteria"`
	Active    bool        `json:"active"`
	CreatedAt time.Time   `json:"created_at"`
	CreatedBy string      `json:"created_by,omitempty"`
}

// Validate checks a form before it is stored; an apperr Invalid names the problem.
func (f Form) Validate() error {
	if strings.TrimSpace(f.Name) == "" {
		return apperr.Errorf(apperr.Invalid, "a form needs a name")
	}
	if len(f.Criteria) == 0 {
		return apperr.Errorf(apperr.Invalid, "a form needs at least one criterion")
	}
	seen := map[string]bool{}
	for _, c := range f.Criteria {
		switch {
		case c.Code == "":
			return apperr.Errorf(apperr.Invalid, "every criterion needs a code")
		case seen[c.Code]:
			return apperr.Errorf(apperr.Invalid, "criterion %q appears twice", c.Code)
		case c.Weight <= 0:
			return apperr.Errorf(apperr.Invalid, "criterion %q: weight must be positive", c.Code)
		case c.Max <= 0:
			return apperr.Errorf(apperr.Invalid, "criterion %q: max must be positive", c.Code)
		}
		seen[c.Code] = true
	}
	return nil
}

// Total returns the weighted score of scores on f, as a percentage: the sum of
// weight × score/max over the sum of weights. Every criterion must be scored, within
// 0..max, and no other.
func (f Form) Total(scores map[string]float64) (float64, error) {
	var sum, weights float64
	for _, c := range f.Criteria {
		s, ok := scores[c.Code]
		if !ok {
			return 0, apperr.Errorf(apperr.Invalid, "criterion %q is not scored", c.Code)
		}
		if s < 0 || s > c.Max {
			return 0, apperr.Errorf(apperr.Invalid, "criterion %q: score %g outside 0..%g", c.Code, s, c.Max)
		}
		sum += c.Weight * s / c.Max
		weights += c.Weight
	}
	if len(scores) != len(f.Criteria) {
		for code := range scores {
			if !f.has(code) {
				return 0, apperr.Errorf(apperr.Invalid, "form %q has no criterion %q", f.Name, code)
			}
		}
	}
	return round2(100 * sum / weights), nil
}

func (f Form) has(code string) bool {
	for _, c := range f.Criteria {
		if c.Code == code {
			return true
		}
	}
	return false
}

func round2(v float64) float64 {
	if v < 0 {
		return -round2(-v)
	}
	return float64(int64(v*100+0.5)) / 100
}

// DefaultForm is the hotline's starting form.
func DefaultForm() Form {
	return Form{Name: "Call quality (standard)", Criteria: []Criterion{
		{Code: "greeting", Label: "Greeting and introduction", Weight: 1, Max: 5},
		{Code: "politeness", Label: "Politeness", Weight: 2, Max: 5},
		{Code: "category", Label: "Correct category", Weight: 2, Max: 5},
		{Code: "resolution", Label: "Resolution given or next steps explained", Weight: 3, Max: 5},
	}}
}

// Review is a reviewer's assessment of one call. Reviews are never changed; a
// correction is a new review.
type Review struct {
	ID            int64              `json:"id"`
	CallID        int64              `json:"call_id"`
	OperatorLogin string             `json:"operator_login"`
	CaseID        *int64             `json:"case_id,omitempty"`
	FormID        int64              `json:"form_id"`
	Scores        map[string]float64 `json:"scores"`
	Total         float64            `json:"total"`
	Outcome       string             `json:"outcome"`
	Notes         string             `json:"notes,omitempty"`
	ReviewerToken int64              `json:"reviewer_token,omitempty"`
	ReviewerName  string             `json:"reviewer_name"`
	ReviewerRole  string             `json:"reviewer_role"`
	CreatedAt     time.Time          `json:"created_at"`
}

// ValidOutcome reports whether o is a review outcome.
func ValidOutcome(o string) bool { return o == NoIssue || o == Coaching || o == Warning }

// Score is an operator's quality over a period.
type Score struct {
	Operator string         `json:"operator"`
	From     time.Time      `json:"from"`
	To       time.Time      `json:"to"`
	Reviews  int            `json:"reviews"`
	Average  float64        `json:"average"` // mean weighted total, 0 when no reviews
	Outcomes map[string]int `json:"outcomes"`
}

// Case statuses and sources.
const (
	CaseOpen     = "open"
	CaseClosed   = "closed"
	FromLine     = "line"     // a call to the QC line
	FromReviewer = "reviewer" // opened by a reviewer
)

// QCLine is the quality-control number: a call to it opens a case.
const QCLine = "556655"

// Case is a complaint about the center.
type Case struct {
	ID              int64      `json:"id"`
	Source          string     `json:"source"`
	ComplaintCallID *int64     `json:"complaint_call_id,omitempty"`
	CallID          *int64     `json:"call_id,omitempty"` // the call complained about
	OperatorLogin   string     `json:"operator_login,omitempty"`
	TicketReference string     `json:"ticket_reference,omitempty"`
	CallerNumber    string     `json:"caller_number,omitempty"`
	Description     string     `json:"description,omitempty"`
	Status          string     `json:"status"`
	Resolution      string     `json:"resolution,omitempty"`
	OpenedAt        time.Time  `json:"opened_at"`
	OpenedBy        string     `json:"opened_by,omitempty"`
	ClosedAt        *time.Time `json:"closed_at,omitempty"`
}

// CallRef says which call a complaint is about: its id, or a ticket reference, or a
// caller number or an operator around a time. The first given wins, in that order.
type CallRef struct {
	CallID   int64     `json:"call_id,omitempty"`
	Ticket   string    `json:"ticket,omitempty"`
	Caller   string    `json:"caller,omitempty"`
	Operator string    `json:"operator,omitempty"`
	At       time.Time `json:"at,omitzero"`
	// Window around At to search; default 2h.
	Window time.Duration `json:"-"`
}

// Empty reports whether r names no call.
func (r CallRef) Empty() bool {
	return r.CallID == 0 && r.Ticket == "" && r.Caller == "" && r.Operator == ""
}

// Actor is who made a change.
type Actor struct {
	TokenID int64
	Name    string
	Role    string
}

// Store keeps forms, cases, reviews and the review queue.
type Store interface {
	// CreateForm validates and stores f (forms are immutable afterwards).
	CreateForm(ctx context.Context, f Form, by Actor) (Form, error)
	// Form returns one form; apperr NotFound when there is none.
	Form(ctx context.Context, id int64) (Form, error)
	// Forms returns every form, newest first.
	Forms(ctx context.Context) ([]Form, error)

	// OpenCase opens a case by a reviewer, linked to the call ref names when given;
	// apperr NotFound when ref names no call that exists.
	OpenCase(ctx context.Context, description string, ref CallRef, by Actor) (Case, error)
	// OpenCaseForCall opens the case of a call to the QC line, once per call: a second
	// call for the same call returns the same case with created=false. The case is
	// linked to the caller's latest answered call before it, when there is one.
	OpenCaseForCall(ctx context.Context, callID int64) (caseID int64, created bool, err error)
	// LinkCase sets the call a case is about; apperr NotFound when there is none.
	LinkCase(ctx context.Context, id int64, ref CallRef) (Case, error)
	// CloseCase closes an open case with a resolution; apperr Conflict when closed.
	CloseCase(ctx context.Context, id int64, resolution string) (Case, error)
	// Case returns one case; apperr NotFound when there is none.
	Case(ctx context.Context, id int64) (Case, error)
	// Cases returns cases of a status ("" for all), newest first.
	Cases(ctx context.Context, status string) ([]Case, error)

	// AddReview scores a call on a form and stores the review; the operator is the
	// call's. apperr Invalid for bad scores or outcome, NotFound for a missing call,
	// form or case.
	AddReview(ctx context.Context, r Review, by Actor) (Review, error)
	// Reviews returns reviews of an operator or a call (zero: any), newest first.
	Reviews(ctx context.Context, operator string, callID int64) ([]Review, error)
	// OperatorScore is the operator's mean review total over calls arriving in [from, to).
	OperatorScore(ctx context.Context, operator string, from, to time.Time) (Score, error)

	// Sample queues for review a share of each operator's answered calls in week
	// (see Pick) and every call of that week linked to a case; already queued calls
	// stay. Returns the calls queued by this run.
	Sample(ctx context.Context, week Week, share float64, seed int64) ([]Queued, error)
	// Queue returns the review queue of a week.
	Queue(ctx context.Context, week Week) ([]Queued, error)
}
