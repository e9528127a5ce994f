package httpapi

import (
	"net/http"
	"time"

	"github.com/ikomek/ikomek/internal/auth"
	"github.com/ikomek/ikomek/internal/calls"
)

func (s *Server) whoami(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	return http.StatusOK, map[string]any{"token_id": p.TokenID, "name": p.Name, "role": p.Role, "subject": p.Subject}, nil
}

// CallJSON is a call as the API shows it.
type CallJSON struct {
	ID              int64       `json:"id"`
	AsteriskID      string      `json:"asterisk_id"`
	ChannelID       string      `json:"channel_id"`
	Line            string      `json:"line"`
	CallerNumber    string      `json:"caller_number"`
	CallerName      string      `json:"caller_name,omitempty"`
	Language        string      `json:"language,omitempty"`
	State           string      `json:"state"`
	Outcome         string      `json:"outcome,omitempty"`
	ArrivedAt       time.Time   `json:"arrived_at"`
	AnsweredAt      *time.Time  `json:"answered_at,omitempty"`
	EndedAt         *time.Time  `json:"ended_at,omitempty"`
	HangupCause     *int        `json:"hangup_cause,omitempty"`
	HangupCauseText string      `json:"hangup_cause_text,omitempty"`
	Events          []EventJSON `json:"events,omitempty"`
}

// EventJSON is one step of a call's history.
type EventJSON struct {
	At     time.Time      `json:"at"`
	Type   string         `json:"type"`
	Detail map[string]any `json:"detail,omitempty"`
}

func (s *Server) getCall(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	c, err := s.Calls.Get(r.Context(), id)
	if err != nil {
		return 0, nil, err
	}
	evs, err := s.Calls.Events(r.Context(), id)
	if err != nil {
		return 0, nil, err
	}
	out := callJSON(c)
	for _, e := range evs {
		out.Events = append(out.Events, EventJSON{At: e.At, Type: e.Type, Detail: e.Detail})
	}
	return http.StatusOK, out, nil
}

// maxSummaryPeriod bounds one call summary.
const maxSummaryPeriod = 92 * 24 * time.Hour

// callSummary counts what became of the calls arrived in [from, to) (RFC 3339; by
// default the last 24 hours), on one line or on all.
func (s *Server) callSummary(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	from, to, err := queryPeriod(r, maxSummaryPeriod)
	if err != nil {
		return 0, nil, err
	}
	sum, err := s.Calls.Summarize(r.Context(), from, to, r.URL.Query().Get("line"), calls.ServiceTarget)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, sum, nil
}

func callJSON(c calls.Call) CallJSON {
	return CallJSON{ID: c.ID, AsteriskID: c.AsteriskID, ChannelID: c.ChannelID, Line: c.Line,
		CallerNumber: c.CallerNumber, CallerName: c.CallerName, Language: c.Language, State: string(c.State),
		Outcome: string(c.Outcome), ArrivedAt: c.ArrivedAt, AnsweredAt: c.AnsweredAt, EndedAt: c.EndedAt,
		HangupCause: c.HangupCause, HangupCauseText: c.HangupCauseText}
}

// TokenJSON is an API token as listed; the secret appears only on creation.
type TokenJSON struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Role       auth.Role  `json:"role"`
	Subject    string     `json:"subject,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	Secret     string     `json:"secret,omitempty"`
}

func tokenJSON(t auth.Token) TokenJSON {
	return TokenJSON{ID: t.ID, Name: t.Name, Role: t.Role, Subject: t.Subject, CreatedAt: t.CreatedAt,
		ExpiresAt: t.ExpiresAt, RevokedAt: t.RevokedAt, LastUsedAt: t.LastUsedAt}
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	ts, err := s.Tokens.List(r.Context())
	if err != nil {
		return 0, nil, err
	}
	out := make([]TokenJSON, 0, len(ts))
	for _, t := range ts {
		out = append(out, tokenJSON(t))
	}
	return http.StatusOK, out, nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	var in struct {
		Name      string     `json:"name"`
		Role      string     `json:"role"`
		Subject   string     `json:"subject"`
		ExpiresAt *time.Time `json:"expires_at"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	role, err := auth.ParseRole(in.Role)
	if err != nil {
		return 0, nil, err
	}
	t, secret, err := s.Tokens.Create(r.Context(), in.Name, role, in.Subject, in.ExpiresAt)
	if err != nil {
		return 0, nil, err
	}
	out := tokenJSON(t)
	out.Secret = secret
	return http.StatusCreated, out, nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, s.Tokens.Revoke(r.Context(), id)
}
